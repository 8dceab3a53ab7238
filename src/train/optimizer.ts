// The optimizer of a run: Adam (the series) or SGD with momentum/Nesterov,
// in two parameter groups so weight decay applies to conv weights only, not
// to BatchNorm weights or any bias (as ultralytics and darknet do) — or, as
// the series' `Adam(model.parameters(), weight_decay=…)`, to all of them.
import * as torch from '../torch/index.js';
import type { Module } from '../nn/module.js';

export type TrainOptimizer = torch.optim.Optimizer<{ lr: number }>;

export interface OptimizerSpec {
  kind: 'adam' | 'sgd';
  lr: number;
  weightDecay: number;
  momentum?: number;
  nesterov?: boolean;
  /** 'conv-weights' (default): decay conv weights only; 'all': every parameter, in one group (the series). */
  weightDecayOn?: 'conv-weights' | 'all';
}

/** Splits parameters: [decayed (conv weights), not decayed (BN weights, biases)]. */
export function splitDecay(model: Module): { decay: torch.Tensor[]; noDecay: torch.Tensor[] } {
  const decay: torch.Tensor[] = [];
  const noDecay: torch.Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    const isBias = name.endsWith('.bias') || name === 'bias';
    const isBn = /(^|\.)bn\./.test(name) || p.ndim === 1;
    (isBias || isBn ? noDecay : decay).push(p);
  }
  return { decay, noDecay };
}

/** The optimizer of the parameters that train: one with requires_grad false (a frozen layer, freeze.ts) is left out. */
export function makeOptimizer(model: Module, spec: OptimizerSpec): TrainOptimizer {
  const { decay, noDecay } = spec.weightDecayOn === 'all' ? { decay: model.parameters(), noDecay: [] } : splitDecay(model);
  const trains = (p: torch.Tensor) => p.requiresGrad;
  const groups = [
    { params: decay.filter(trains), weightDecay: spec.weightDecay },
    { params: noDecay.filter(trains), weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
  if (spec.kind === 'adam') return new torch.optim.Adam(groups, { lr: spec.lr }) as unknown as TrainOptimizer;
  const momentum = spec.momentum ?? 0.9;
  return new torch.optim.SGD(groups, { lr: spec.lr, momentum, nesterov: spec.nesterov ?? false }) as unknown as TrainOptimizer;
}

/** Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: torch.Tensor[], maxNorm: number): number {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const grads = params.map((p) => p.grad).filter((g): g is torch.Tensor => !!g);
      if (!grads.length) return 0;
      const norm = Math.sqrt(grads.reduce((a, g) => a + g.pow(2).sum().item(), 0));
      if (norm > maxNorm) for (const g of grads) g.mul_(maxNorm / (norm + 1e-6));
      return norm;
    }),
  );
}
