// The run folder: project/name, or name2, name3, ... when it exists already
// (a resumed run reuses its own folder). The folder is claimed by mkdir,
// which only one of two runs started at once can win, and held by a lock
// (train.lock, src/util/pid_lock.ts) for as long as its run's process
// lives, so a --resume of a run still training is refused: never two
// writers on one results.csv, event file or `last`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LockHeldError, acquirePidLock, type PidLock } from '../util/pid_lock.js';
import { fileError } from '../util/fs_errors.js';

export interface RunPaths {
  dir: string;
  weights: string;
  results: string;
  curves: string;
  detections: string;
}

export function runPaths(dir: string): RunPaths {
  return { dir, weights: join(dir, 'weights'), results: join(dir, 'results.csv'), curves: join(dir, 'curves.png'), detections: join(dir, 'detections') };
}

/** Creates the first free project/name, name2, ... (atomically: mkdir fails for the loser of a race, who takes the next). */
export function newRunDir(project: string, name: string): RunPaths {
  try {
    mkdirSync(project, { recursive: true });
  } catch (e) {
    throw fileError('create the runs folder', project, e);
  }
  for (let n = 1; ; n++) {
    const dir = join(project, n === 1 ? name : `${name}${n}`);
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw fileError('create the run folder', dir, e);
    }
    const p = runPaths(dir);
    mkdirSync(p.weights, { recursive: true });
    return p;
  }
}

/** The run folder's lock, held until release() or the process ends; throws when a live process holds it. */
export function lockRunDir(dir: string): PidLock {
  try {
    return acquirePidLock(join(dir, 'train.lock'), `run folder ${dir}`);
  } catch (e) {
    if (e instanceof LockHeldError) throw new Error(`${e.message}: another yolov3 train is writing this run; wait for it to end, or stop it, before --resume`);
    throw e;
  }
}
