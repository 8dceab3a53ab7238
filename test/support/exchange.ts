// Exchanging arrays with Python references through .npy files in a
// temporary folder: the script reads `inputs/<name>.npy` and writes
// `outputs/<name>.npy`.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { runPython } from './references.js';

export class Exchange {
  readonly dir = mkdtempSync(join(tmpdir(), 'yolov3-ts-'));
  constructor() {
    mkdirSync(join(this.dir, 'inputs'));
    mkdirSync(join(this.dir, 'outputs'));
  }
  put(name: string, t: torch.Tensor): void {
    torch.io.saveNpy(join(this.dir, 'inputs', `${name}.npy`), t);
  }
  get(name: string): torch.Tensor {
    return torch.io.loadNpy(join(this.dir, 'outputs', `${name}.npy`));
  }
  /** Runs `body` with `load(name)` (a torch tensor) and `save(name, tensor)` defined. */
  run<T = unknown>(body: string, input: unknown = null): T {
    const preamble = `
import sys, json, os
import numpy as np
import torch
torch.set_num_threads(${torch.getNumThreads()})
D = ${JSON.stringify(this.dir)}
def load(name):
    return torch.from_numpy(np.load(os.path.join(D, 'inputs', name + '.npy')))
def save(name, t):
    np.save(os.path.join(D, 'outputs', name + '.npy'), t.detach().contiguous().numpy())
ARGS = json.load(sys.stdin)
`;
    return runPython<T>(`${preamble}\n${body}\nprint(json.dumps(None))`, input);
  }
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Largest |a - b| / max(|b|, floor) over all elements (both float tensors of one shape). */
export function maxRelativeError(a: torch.Tensor, b: torch.Tensor, floor = 1e-3): number {
  if (a.shape.join(',') !== b.shape.join(',')) throw new Error(`shape mismatch [${a.shape}] vs [${b.shape}]`);
  const x = a.toArray();
  const y = b.toArray();
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i] - y[i]) / Math.max(Math.abs(y[i]), floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}
