// A lock file owned by a live process: created whole or not at all (the
// content goes to a temporary that is hard-linked to the lock's name, which
// fails when the name exists), released on any exit of the owner
// (release(), or Node's 'exit' for process.exit and uncaught errors), and
// taken over when its owner is gone (SIGKILL, a crash, power loss). An
// owner is alive when its pid answers and, where /proc tells, it is the
// same process that took the lock (its start time), not a later one that
// reuses the pid. A lock from another host cannot be checked and is
// treated as held.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileError } from './fs_errors.js';

interface Owner {
  pid: number;
  host: string;
  /** /proc/<pid>/stat start time (clock ticks since boot), when readable. */
  start?: string;
  since: string;
}

export interface PidLock {
  readonly path: string;
  /** Removes the lock if this process still holds it; safe to call twice. */
  release(): void;
}

/** The owner of a held lock: "process 123 (since 2026-12-01T09:00:00Z)". */
export class LockHeldError extends Error {
  constructor(readonly path: string, readonly owner: { pid: number; host: string; since: string }, what: string) {
    super(`${what} is in use by process ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''} (since ${owner.since}; lock ${path})`);
  }
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; // field 22, counted after the command name
  } catch {
    return undefined;
  }
}

function alive(o: Owner): boolean {
  if (o.host !== hostname()) return true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(o.pid);
  return o.start === undefined || now === undefined || now === o.start;
}

function readOwner(path: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return Number.isInteger(o.pid) ? o : undefined;
  } catch {
    return undefined; // gone, or not ours: written whole by link(), so never half-written by an owner
  }
}

/**
 * Moves a stale lock aside under a name of this process (of two takers,
 * one wins the rename). Should the file moved turn out to be a live owner's
 * (another taker replaced the stale lock in between), it goes back.
 */
function takeOverStale(path: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // another process took it first; the next link() tells
  }
  const moved = readOwner(aside);
  if (moved && alive(moved)) {
    try { linkSync(aside, path); } catch { /* the name is taken again: that owner's lock stands */ }
  }
  try { unlinkSync(aside); } catch { /* already gone */ }
}

/** Takes the lock at `path` or throws LockHeldError naming its live owner; `what` names the thing locked in that error. */
export function acquirePidLock(path: string, what: string): PidLock {
  const me: Owner = { pid: process.pid, host: hostname(), start: startTime(process.pid), since: new Date().toISOString() };
  const tmp = `${path}.new-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(me) + '\n');
  } catch (e) {
    throw fileError('write', tmp, e);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw fileError('create the lock', path, e);
      }
      const owner = readOwner(path);
      if (owner && alive(owner)) throw new LockHeldError(path, owner, what);
      takeOverStale(path);
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* already gone */ }
  }
  const release = () => {
    process.off('exit', release);
    if (readOwner(path)?.pid !== process.pid) return;
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', release);
  return { path, release };
}
