// The sub-commands' options: each command declares its `Specs` (type, help,
// default, choices, bounds) and parseArgs reads argv against them. Node's own
// util.parseArgs splits argv (`--name value`, `--name=value`, `--flag`,
// `--no-flag`, `-h`, `--`); this file types what it finds. Node's strict mode
// is not used: it refuses `--lr0 -1` (a value that starts with a dash) and
// `--flag=false`, which the commands always took, and its messages do not say
// which command; unknown options, missing values, bad numbers and bad choices
// are checked here on its tokens instead, and the errors name command and option.
import { parseArgs as splitArgs } from 'node:util';

export type OptionSpec =
  /** `bare`: the value of the option given alone (`--multi-scale`, then another option or nothing); a value may still follow it. */
  | { type: 'string'; help: string; default?: string; choices?: readonly string[]; required?: boolean; bare?: string }
  | { type: 'number'; help: string; default?: number; integer?: boolean; min?: number }
  | { type: 'boolean'; help: string; default?: boolean };

export type Specs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S extends { type: 'string' } ? string : S extends { type: 'number' } ? number : boolean;
export type Parsed<T extends Specs> = { [K in keyof T]: ValueOf<T[K]> | undefined } & { help: boolean };

export class UsageError extends Error {}

type SplitOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const takesValue = (spec: OptionSpec) => spec.type === 'number' || (spec.type === 'string' && spec.bare === undefined);

/**
 * What util.parseArgs is told: numbers are strings to it; an option with a
 * `bare` value is a switch to it (so it never swallows the next option; its
 * `=value` still comes through, a value after a space is taken below);
 * every boolean also has its `no-` form declared, rather than Node's
 * allowNegative, which Node 20 before 20.16 ignores.
 */
function splitOptions(specs: Specs): SplitOptions {
  const o: SplitOptions = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(specs)) {
    o[name] = { type: takesValue(spec) ? 'string' : 'boolean' };
    if (spec.type === 'boolean' && !(`no-${name}` in specs)) o[`no-${name}`] = { type: 'boolean' };
  }
  return o;
}

/** A string option's value checked against its spec: a number in range, or one of the choices. */
function typed(command: string, name: string, spec: OptionSpec, value: string): string | number {
  if (spec.type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n)) || (spec.min !== undefined && n < spec.min)) {
      const bound = spec.min !== undefined ? ` >= ${spec.min}` : '';
      throw new UsageError(`${command}: --${name} expects ${spec.integer ? 'an integer' : 'a number'}${bound}, got '${value}'`);
    }
    return n;
  }
  if (spec.type === 'string' && spec.choices && !spec.choices.includes(value)) throw new UsageError(`${command}: --${name} must be one of ${spec.choices.join(', ')}, got '${value}'`);
  return value;
}

/**
 * argv read against `specs`: defaults first, then each option in order (a
 * repeated option: the last wins). `--flag=false` and `--flag=0` turn a
 * switch off, as `--no-flag` does (with any value). `--help`/`-h` skips the
 * required check.
 */
export function parseArgs<T extends Specs>(command: string, specs: T, argv: string[]): Parsed<T> {
  const out: Record<string, unknown> = { help: false };
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  const { tokens } = splitArgs({ args: argv, options: splitOptions(specs), strict: false, allowPositionals: true, tokens: true });
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'positional') throw new UsageError(`${command}: unexpected argument '${t.value}'`);
    if (t.kind === 'option-terminator') throw new UsageError(`${command}: unexpected argument '--'`);
    if (t.name === 'help' && !('help' in specs)) { out.help = true; continue; }
    if (!t.rawName.startsWith('--')) throw new UsageError(`${command}: unexpected argument '${t.rawName}'`);
    const negated = !(t.name in specs) && t.name.startsWith('no-') && specs[t.name.slice(3)]?.type === 'boolean';
    const name = negated ? t.name.slice(3) : t.name;
    const spec = specs[name];
    if (!spec) throw new UsageError(`${command}: unknown option --${t.name} (see --help)`);
    if (spec.type === 'boolean') {
      out[name] = !negated && (t.value === undefined || (t.value !== 'false' && t.value !== '0'));
      continue;
    }
    let value = t.value;
    if (value === undefined && spec.type === 'string' && spec.bare !== undefined) {
      const next = tokens[k + 1];
      value = next?.kind === 'positional' && next.index === t.index + 1 ? (k++, next.value) : spec.bare; // a positional is otherwise an error: no ambiguity
    }
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    out[name] = typed(command, name, spec, value);
  }
  if (!out.help) {
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.type === 'string' && spec.required && out[name] === undefined) throw new UsageError(`${command}: --${name} is required (see --help)`);
    }
  }
  return out as Parsed<T>;
}

export function formatHelp(usage: string, specs: Specs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const value = s.type === 'number' ? 'N' : s.type === 'string' && s.choices ? s.choices.join('|') : 'X';
    const flag = s.type === 'boolean' ? `--${name}` : s.type === 'string' && s.bare !== undefined ? `--${name} [${value}]` : `--${name} ${value}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : s.type === 'string' && s.required ? ' (required)' : '';
    return `  ${flag.padEnd(30)} ${s.help}${def}`;
  });
  return `${usage}\n\noptions:\n${rows.join('\n')}`;
}
