// A small argument parser for the sub-commands: `--name value`,
// `--name=value`, `--flag`, `--no-flag`; unknown options and bad numbers are
// errors that name the option.

export type OptionSpec =
  | { type: 'string'; help: string; default?: string; choices?: readonly string[]; required?: boolean }
  | { type: 'number'; help: string; default?: number; integer?: boolean; min?: number }
  | { type: 'boolean'; help: string; default?: boolean };

export type Specs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S extends { type: 'string' } ? string : S extends { type: 'number' } ? number : boolean;
export type Parsed<T extends Specs> = { [K in keyof T]: ValueOf<T[K]> | undefined } & { help: boolean };

export class UsageError extends Error {}

export function parseArgs<T extends Specs>(command: string, specs: T, argv: string[]): Parsed<T> {
  const out: Record<string, unknown> = { help: false };
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument '${arg}'`);
    let [name, value] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let spec = specs[name];
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean') {
      [name, spec, value] = [name.slice(3), specs[name.slice(3)], 'false'];
    }
    if (!spec) throw new UsageError(`${command}: unknown option --${name} (see --help)`);
    if (spec.type === 'boolean') {
      out[name] = value === undefined ? true : value !== 'false' && value !== '0';
      continue;
    }
    if (value === undefined) {
      if (k + 1 >= argv.length) throw new UsageError(`${command}: --${name} needs a value`);
      value = argv[++k];
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n)) || (spec.min !== undefined && n < spec.min)) {
        const bound = spec.min !== undefined ? ` >= ${spec.min}` : '';
        throw new UsageError(`${command}: --${name} expects ${spec.integer ? 'an integer' : 'a number'}${bound}, got '${value}'`);
      }
      out[name] = n;
    } else {
      if (spec.choices && !spec.choices.includes(value)) throw new UsageError(`${command}: --${name} must be one of ${spec.choices.join(', ')}, got '${value}'`);
      out[name] = value;
    }
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
    const flag = s.type === 'boolean' ? `--${name}` : `--${name} ${s.type === 'number' ? 'N' : s.type === 'string' && s.choices ? s.choices.join('|') : 'X'}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : s.type === 'string' && s.required ? ' (required)' : '';
    return `  ${flag.padEnd(30)} ${s.help}${def}`;
  });
  return `${usage}\n\noptions:\n${rows.join('\n')}`;
}
