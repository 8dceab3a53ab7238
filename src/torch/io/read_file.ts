import { readFileSync } from 'node:fs';

/** Reads a whole file; a failure names the path ("x.npy: cannot read: ENOENT ..."). */
export function readFileNamed(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
}
