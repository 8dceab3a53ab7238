import { readFileSync } from 'node:fs';

/** Class names, one per line (darknet's .names); blank lines at the end are ignored. */
export function readNames(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read names: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const names = text.split(/\r?\n/).map((l) => l.trim());
  while (names.length && names[names.length - 1] === '') names.pop();
  if (names.length === 0) throw new Error(`${path}: no class names`);
  return names;
}
