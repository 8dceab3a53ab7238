// File-system errors as one clear line that names the path: "cannot write
// runs/exp/weights/last.safetensors: no space left on device (ENOSPC)"
// instead of Node's "ENOSPC: no space left on device, write", which names
// neither the file nor what was being done. The error's `code` is kept.
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EFBIG: 'file too large',
  EIO: 'input/output error',
};

/** `cannot <action> <path>: <reason> (<CODE>)`, with the cause and code attached. */
export function fileError(action: string, path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const reason = code && REASONS[code] ? `${REASONS[code]} (${code})` : ((e as Error)?.message ?? String(e));
  const out = new Error(`cannot ${action} ${path}: ${reason}`, { cause: e }) as NodeJS.ErrnoException;
  if (code) out.code = code;
  return out;
}

/** mkdir -p one level at a time: Node's recursive mkdir reports ENOENT for a read-only parent, not EROFS. */
function makeFolders(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeFolders(parent);
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made meanwhile by another process
  }
}

/**
 * Makes `dir` (and its parents) and checks that a file can be created in it,
 * so a command fails before its work, not at its first output (a read-only
 * mount or a folder without write permission; root ignores permissions,
 * so the check writes and removes a probe file instead of asking access()).
 */
export function ensureWritableDir(dir: string, what = dir): void {
  try {
    makeFolders(dir);
  } catch (e) {
    throw fileError('create the folder', what, e);
  }
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (e) {
    throw fileError('write into', what, e);
  }
  try {
    unlinkSync(probe);
  } catch {
    /* written, so writable; a leftover empty probe is harmless */
  }
}
