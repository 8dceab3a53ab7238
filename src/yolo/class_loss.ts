// The class term at assigned cells: a mean over the assigned rows.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Positives } from './positives.js';

/** BCE-with-logits of the class logits against one-hot targets (smoothed: 1 − ε/2 and ε/2), mean over m × nc. */
export function classLoss(p: Positives, smoothing: number): Tensor {
  return torch.tidy(() => {
    const nc = p.clsLogits.shape[1];
    let target = torch.F.oneHot(p.cls, nc).to(p.clsLogits.dtype);
    if (smoothing > 0) target = target.mul(1 - smoothing).add(smoothing / 2);
    return torch.F.binaryCrossEntropyWithLogits(p.clsLogits, target);
  });
}
