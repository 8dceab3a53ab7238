// Which compiled modules of dist/src the page may load: the page's entry
// and everything it imports, followed through the built JavaScript. Any
// import that is not a relative path (a Node module, a package) other than
// the ones the page's import map provides is an error here, at start-up:
// the page shares the detection code with Node (preprocess, NMS, decode,
// results), so that code must stay free of Node.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** Bare specifiers the page's import map resolves (web/index.html). */
export const IMPORT_MAP: Record<string, string> = { 'onnxruntime-web': '/ort/ort.wasm.min.mjs' };

// import ... from '...', export ... from '...', import '...', import('...')
const SPECIFIER = /\b(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The imports of one built module. */
export function moduleImports(code: string): string[] {
  return [...code.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * Paths relative to `root` (dist/src, '/' separated) of `entries` and every
 * module they import, transitively.
 */
export function browserModules(root: string, entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (rel: string, from: string) => {
    if (seen.has(rel)) return;
    let code: string;
    try {
      code = readFileSync(join(root, rel), 'utf8');
    } catch {
      throw new Error(`the page's module ${rel} (imported by ${from}) is missing under ${root}: build first (tsc)`);
    }
    seen.add(rel);
    for (const spec of moduleImports(code)) {
      if (spec in IMPORT_MAP) continue;
      if (!spec.startsWith('.')) throw new Error(`${rel} imports '${spec}', which a browser cannot load: the page's code must not use Node modules`);
      const target = normalize(join(dirname(rel), spec));
      if (target.startsWith('..')) throw new Error(`${rel} imports ${spec}, outside ${root}`);
      visit(relative('.', target).split(sep).join('/'), rel);
    }
  };
  for (const e of entries) visit(e, 'the page');
  return seen;
}
