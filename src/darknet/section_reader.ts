// Typed reads of one section's options. Darknet's atoi/atof accept any text
// (a typo silently becomes 0); here a value that is not a number is an error
// naming the file and line.
import { CfgError, type CfgWarning } from './errors.js';
import type { CfgOption, CfgSection } from './cfg_text.js';

const INT = /^[+-]?\d+$/;
/** The largest C int: darknet's atoi. */
const INT_MAX = 2 ** 31 - 1;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export class SectionReader {
  constructor(readonly section: CfgSection) {}

  private take(key: string): CfgOption | undefined {
    const o = this.section.options.get(key);
    if (o) o.used = true;
    return o;
  }

  has(key: string): boolean {
    return this.section.options.has(key);
  }

  /** The option's source location, or the section's when absent. */
  loc(key?: string): CfgOption | CfgSection {
    return (key && this.section.options.get(key)) || this.section;
  }

  fail(key: string | undefined, problem: string): never {
    throw new CfgError(this.loc(key), `[${this.section.name}] ${problem}`);
  }

  str(key: string, fallback: string): string;
  str(key: string, fallback?: string): string | undefined;
  str(key: string, fallback?: string): string | undefined {
    return this.take(key)?.value ?? fallback;
  }

  int(key: string, fallback: number): number;
  int(key: string, fallback?: number): number | undefined;
  int(key: string, fallback?: number): number | undefined {
    const o = this.take(key);
    if (!o) return fallback;
    if (!INT.test(o.value)) this.fail(key, `${key}=${o.value} is not an integer`);
    const v = Number(o.value);
    // darknet reads a C int (atoi); past its range the value is not the one written
    if (Math.abs(v) > INT_MAX) this.fail(key, `${key}=${o.value} is outside darknet's integer range (±${INT_MAX})`);
    return v;
  }

  float(key: string, fallback: number): number;
  float(key: string, fallback?: number): number | undefined;
  float(key: string, fallback?: number): number | undefined {
    const o = this.take(key);
    if (!o) return fallback;
    if (!FLOAT.test(o.value)) this.fail(key, `${key}=${o.value} is not a number`);
    return Number(o.value);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.int(key);
    return v === undefined ? fallback : v !== 0;
  }

  /** Comma-separated numbers ("layers=-1, 61", "anchors = 10,13, 16,30"). */
  list(key: string, kind: 'int' | 'float' = 'int'): number[] | undefined {
    const o = this.take(key);
    if (!o) return undefined;
    const parts = o.value.split(',').filter((p, i, a) => p !== '' || i < a.length - 1);
    const re = kind === 'int' ? INT : FLOAT;
    for (const p of parts) if (!re.test(p)) this.fail(key, `${key}=${o.value}: '${p}' is not ${kind === 'int' ? 'an integer' : 'a number'}`);
    return parts.map(Number);
  }

  /** An option we know but do not implement: an error unless it has its no-op value. */
  unsupported(key: string, noop: string[]): void {
    const o = this.take(key);
    if (o && !noop.includes(o.value)) this.fail(key, `${key}=${o.value} is not supported (only ${noop.join(' or ')})`);
  }

  /** Marks options as known and keeps them as text (training-only settings). */
  keep(keys: string[], into: Record<string, string>): void {
    for (const k of keys) {
      const o = this.take(k);
      if (o) into[k] = o.value;
    }
  }

  /** Warnings for fields no reader used (darknet's "Unused field") and repeated keys. */
  leftovers(): CfgWarning[] {
    const out: CfgWarning[] = [];
    for (const [key, o] of this.section.options) {
      if (!o.used) out.push({ file: o.file, line: o.line, message: `unused field '${key}' in [${this.section.name}]` });
    }
    this.section.duplicates.forEach((o, i) => {
      const key = this.section.duplicateKeys[i];
      out.push({ file: o.file, line: o.line, message: `repeated field '${key}' in [${this.section.name}]: darknet uses the first` });
    });
    return out;
  }
}
