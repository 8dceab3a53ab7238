// Gaussian soft-NMS (Bodla et al., 2017): instead of dropping a box that
// overlaps a better one, its score decays by exp(-IoU^2 / sigma); boxes
// whose score falls below scoreThreshold are dropped.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { flatIou, type FlatBoxes } from './nms_core.js';
import { flatBoxes } from './nms.js';
import { checkBoxTensor, checkFinite } from './validate.js';

export interface SoftNmsOptions {
  /** Gaussian width; default 0.5. */
  sigma?: number;
  /** Boxes whose decayed score falls below this are dropped; default 0.001. */
  scoreThreshold?: number;
  /** Class per box: boxes of different classes do not decay each other. */
  classes?: ArrayLike<number>;
}

/**
 * Soft-NMS on plain arrays. Repeatedly takes the highest remaining score
 * (the lower index on a tie), keeps it, and decays the rest of its class.
 * Returns kept indices and their decayed scores, in selection order.
 */
export function softNmsCore(boxes: FlatBoxes, scores: ArrayLike<number>, options: SoftNmsOptions = {}): { indices: number[]; scores: number[] } {
  const sigma = options.sigma ?? 0.5;
  const threshold = options.scoreThreshold ?? 0.001;
  if (!(sigma > 0)) throw new RangeError(`softNms: sigma must be > 0, got ${sigma}`);
  const cls = options.classes;
  const s = Float64Array.from(scores as ArrayLike<number>);
  const alive: number[] = [];
  for (let i = 0; i < s.length; i++) if (s[i] >= threshold) alive.push(i);
  const indices: number[] = [];
  const kept: number[] = [];
  while (alive.length > 0) {
    let best = 0;
    for (let k = 1; k < alive.length; k++) if (s[alive[k]] > s[alive[best]]) best = k;
    const m = alive[best];
    alive.splice(best, 1);
    indices.push(m);
    kept.push(s[m]);
    let w = 0;
    for (const j of alive) {
      if (!cls || cls[j] === cls[m]) {
        const o = flatIou(boxes, m, j);
        s[j] *= Math.exp(-(o * o) / sigma);
      }
      if (s[j] >= threshold) alive[w++] = j;
    }
    alive.length = w;
  }
  return { indices, scores: kept };
}

/** Soft-NMS on tensors: boxes [N, 4] xyxy, scores [N] to int64 indices and float scores. */
export function softNms(boxes: Tensor, scores: Tensor, options: SoftNmsOptions = {}): { indices: Tensor; scores: Tensor } {
  checkBoxTensor(boxes, 'softNms boxes', 2);
  if (scores.ndim !== 1 || scores.shape[0] !== boxes.shape[0]) throw new RangeError(`softNms: scores must have shape [${boxes.shape[0]}]`);
  const box = flatBoxes(boxes);
  checkFinite(box, 'softNms boxes');
  const score = scores.toArray();
  checkFinite(score, 'softNms scores', 1);
  const r = softNmsCore(box, score, options);
  return {
    indices: torch.tensor(r.indices, { dtype: 'int64' }),
    scores: torch.tensor(r.scores, { dtype: scores.dtype === 'float64' ? 'float64' : 'float32' }),
  };
}
