// Engine benchmark: conv2d forward, forward+backward and a matmul through
// our API and through PyTorch (Debian's python3-torch, the same libtorch) in
// the same run and thread count, reported as GFLOP/s and ours/PyTorch.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { REPO_ROOT, medianSeconds, PYTHON } from './timing.js';

interface Case {
  name: string;
  kind: 'conv_forward' | 'conv_forward_backward' | 'matmul';
  batch?: number; cin?: number; cout?: number; k?: number; hw?: number; n?: number;
  repeats: number;
}

const CASES: Case[] = [
  { name: 'conv3x3 128->256 52x52 b2 fwd', kind: 'conv_forward', batch: 2, cin: 128, cout: 256, k: 3, hw: 52, repeats: 10 },
  { name: 'conv3x3 128->256 52x52 b2 fwd+bwd', kind: 'conv_forward_backward', batch: 2, cin: 128, cout: 256, k: 3, hw: 52, repeats: 6 },
  { name: 'conv1x1 512->256 26x26 b2 fwd', kind: 'conv_forward', batch: 2, cin: 512, cout: 256, k: 1, hw: 26, repeats: 20 },
  { name: 'conv1x1 512->256 26x26 b2 fwd+bwd', kind: 'conv_forward_backward', batch: 2, cin: 512, cout: 256, k: 1, hw: 26, repeats: 12 },
  { name: 'matmul 1024x1024x1024', kind: 'matmul', n: 1024, repeats: 10 },
];

function flops(c: Case): number {
  if (c.kind === 'matmul') return 2 * c.n! ** 3;
  const forward = 2 * c.batch! * c.cout! * c.hw! * c.hw! * c.cin! * c.k! * c.k!;
  // backward computes the input gradient and the weight gradient, each as costly as the forward
  return c.kind === 'conv_forward' ? forward : 3 * forward;
}

function timeOurs(c: Case): number {
  return torch.tidy(() => {
    if (c.kind === 'matmul') {
      const a = torch.randn([c.n!, c.n!]);
      const b = torch.randn([c.n!, c.n!]);
      return medianSeconds(() => a.mm(b).dispose(), c.repeats);
    }
    const x = torch.randn([c.batch!, c.cin!, c.hw!, c.hw!]);
    const w = torch.randn([c.cout!, c.cin!, c.k!, c.k!]).mul(0.01);
    const padding = Math.floor(c.k! / 2);
    if (c.kind === 'conv_forward') {
      return torch.noGrad(() => medianSeconds(() => torch.F.conv2d(x, w, null, { padding }).dispose(), c.repeats));
    }
    const xg = x.clone().requiresGrad_();
    const wg = w.clone().requiresGrad_();
    const gy = torch.randn([c.batch!, c.cout!, c.hw!, c.hw!]);
    return medianSeconds(() => {
      xg.zeroGrad();
      wg.zeroGrad();
      const y = torch.F.conv2d(xg, wg, null, { padding });
      y.backward(gy);
      y.dispose();
    }, c.repeats);
  });
}

function timePyTorch(cases: Case[]): Record<string, number> {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'bench', 'reference', 'torch_ops.py'), JSON.stringify({ threads: torch.getNumThreads(), cases })], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export interface EngineRow { case: string; oursGflops: number; pytorchGflops: number; ratio: number }

/** Alternates ours and PyTorch twice and keeps each side's best median, to damp a noisy machine. */
export function benchEngine(): EngineRow[] {
  const ours = new Map<string, number>();
  const theirs = new Map<string, number>();
  for (let round = 0; round < 2; round++) {
    for (const c of CASES) ours.set(c.name, Math.min(ours.get(c.name) ?? Infinity, timeOurs(c)));
    const py = timePyTorch(CASES);
    for (const c of CASES) theirs.set(c.name, Math.min(theirs.get(c.name) ?? Infinity, py[c.name]));
  }
  return CASES.map((c) => {
    const o = flops(c) / ours.get(c.name)! / 1e9;
    const p = flops(c) / theirs.get(c.name)! / 1e9;
    return { case: c.name, oursGflops: o, pytorchGflops: p, ratio: o / p };
  });
}
