// Atomic file writing for every writer (tensor files, checkpoints, .weights,
// results.csv): the bytes go to `<file>.tmp-<pid>`, are fsynced, and the
// temporary is renamed over the file, so a crash or SIGKILL mid-write
// leaves the previous file in place, never a truncated one; so does a full
// disk, with an error that names the file. Imports nothing of the project
// outside src/util, which sits below every other layer.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { midWriteFault } from './fault.js';
import { fileError } from './fs_errors.js';

/**
 * Writes bytes to `path` atomically: temporary file, fsync, rename, then
 * fsync of the folder. Temporaries left by writers of `path` that were
 * killed mid-write (their process is gone) are removed first.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  removeStaleTemporaries(path);
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeAll(fd, bytes, path);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    // a full disk, a read-only folder: the previous file stays, the temporary goes, and the error names the file
    if (fd !== undefined) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw fileError('write', path, e);
  }
  fsyncFolder(dirname(path));
}

function writeAll(fd: number, bytes: Uint8Array, path: string): void {
  const half = bytes.length >> 1;
  let written = 0;
  while (written < half) written += writeSync(fd, bytes, written, half - written);
  midWriteFault(path); // kill tests land here (src/util/fault.ts)
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

// A writer killed mid-save leaves `<file>.tmp-<pid>`; remove those of dead processes.
function removeStaleTemporaries(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      /* another process removed it */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The rename is durable only once the folder's entry is on disk.
function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* some file systems cannot fsync a folder; the rename itself is still atomic */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
