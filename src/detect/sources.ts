// Expands `--source`: one image, a folder (its images, sorted), or a glob
// whose wildcards (* and ?) are in the last path segment (`photos/*.jpg`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif']);

function wildcardRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The image paths a source names, and whether it named a single file. */
export function expandSource(source: string): { files: string[]; single: boolean } {
  if (/[*?]/.test(basename(source))) {
    const dir = dirname(source);
    if (/[*?]/.test(dir)) throw new Error(`${source}: wildcards are supported in the file name only`);
    if (!existsSync(dir)) throw new Error(`${source}: no such folder ${dir}`);
    const re = wildcardRegex(basename(source));
    const files = readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
    if (files.length === 0) throw new Error(`${source}: no files match`);
    return { files, single: false };
  }
  if (!existsSync(source)) throw new Error(`${source}: no such file or folder`);
  if (statSync(source).isDirectory()) {
    const files = readdirSync(source).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort().map((f) => join(source, f));
    if (files.length === 0) throw new Error(`${source}: no images in this folder (${[...IMAGE_EXTENSIONS].join(' ')})`);
    return { files, single: false };
  }
  return { files: [source], single: true };
}
