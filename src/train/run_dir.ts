// The run folder: project/name, or name2, name3, ... when it exists already
// (a resumed run reuses its own folder).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

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

export function newRunDir(project: string, name: string): RunPaths {
  let dir = join(project, name);
  for (let n = 2; existsSync(dir); n++) dir = join(project, `${name}${n}`);
  const p = runPaths(dir);
  mkdirSync(p.weights, { recursive: true });
  return p;
}
