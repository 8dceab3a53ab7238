// A file the package ships outside dist/ (a vendored .proto schema under
// src/), found from a compiled module: the nearest folder above the module
// holding package.json is the package's root, in a clone and once installed.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `path` (relative to the package root) for the module at `moduleUrl` (its import.meta.url). */
export function packageFile(moduleUrl: string, path: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`${fileURLToPath(moduleUrl)}: no package.json above it, so ${path} cannot be found`);
    dir = up;
  }
  return join(dir, path);
}
