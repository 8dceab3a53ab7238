// NMS on tensors with torchvision's contract: `nms` and `batchedNms` return
// the same kept indices as torchvision.ops.nms / batched_nms. Scores are
// ordered by libtorch's sort as torchvision orders them (its nms kernel
// sorts stably, so on equal scores the lower index goes first; batched_nms's
// per-class path re-sorts its result with the default, unstable sort).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { greedyNms, type FlatBoxes } from './nms_core.js';
import { checkBoxTensor, checkFinite } from './validate.js';

/** Boxes as a flat Float32Array/Float64Array (other dtypes become float32). */
export function flatBoxes(boxes: Tensor): FlatBoxes {
  if (boxes.dtype === 'float32' || boxes.dtype === 'float64') return boxes.dataSync() as Float32Array | Float64Array;
  return torch.tidy(() => boxes.float().dataSync() as Float32Array);
}

function checkInputs(boxes: Tensor, scores: Tensor, name: string, idxs?: Tensor): { box: FlatBoxes; n: number } {
  checkBoxTensor(boxes, `${name} boxes`, 2);
  const n = boxes.shape[0];
  if (scores.ndim !== 1 || scores.shape[0] !== n) {
    throw new RangeError(`${name}: scores must have shape [${n}] to match boxes, got [${scores.shape.join(', ')}]`);
  }
  if (idxs && (idxs.ndim !== 1 || idxs.shape[0] !== n)) {
    throw new RangeError(`${name}: idxs must have shape [${n}] to match boxes, got [${idxs.shape.join(', ')}]`);
  }
  const box = flatBoxes(boxes);
  checkFinite(box, `${name} boxes`);
  return { box, n };
}

/** Indices that sort `scores` best first; `stable` puts the lower index first on ties. */
export function scoreOrder(scores: Tensor, stable = true): Int32Array {
  return torch.tidy(() => Int32Array.from(scores.sort(0, true, stable).indices.dataSync() as BigInt64Array, Number));
}

function indexTensor(indices: ArrayLike<number>): Tensor {
  return torch.tensor(BigInt64Array.from(Array.from(indices), (i) => BigInt(i)));
}

/**
 * Greedy NMS over all boxes (class-agnostic): boxes [N, 4] xyxy, scores [N].
 * Returns int64 indices of the kept boxes, best score first. A box is
 * dropped when its IoU with a better kept box is > iouThreshold.
 */
export function nms(boxes: Tensor, scores: Tensor, iouThreshold: number): Tensor {
  const { box } = checkInputs(boxes, scores, 'nms');
  checkFinite(scores.dataSync() as ArrayLike<number>, 'nms scores', 1);
  return indexTensor(greedyNms(box, scoreOrder(scores), iouThreshold));
}

/**
 * NMS per class: boxes of different `idxs` never suppress each other.
 * Returns int64 indices, best score first, as torchvision's batched_nms
 * (including its two code paths, which order equal scores differently).
 */
export function batchedNms(boxes: Tensor, scores: Tensor, idxs: Tensor, iouThreshold: number): Tensor {
  const { box, n } = checkInputs(boxes, scores, 'batchedNms', idxs);
  const score = scores.dataSync() as Float32Array | Float64Array;
  checkFinite(score, 'batchedNms scores', 1);
  const cls = Float64Array.from(idxs.toArray());
  if (n * 4 <= 4000) {
    // torchvision's small-input path sorts once over all classes.
    return indexTensor(greedyNms(box, scoreOrder(scores), iouThreshold, cls));
  }
  // torchvision's large-input path runs nms per class (indices ascending as
  // torch.where gives them), then re-sorts the kept ones with the unstable sort.
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    let list = members.get(cls[i]);
    if (!list) members.set(cls[i], (list = []));
    list.push(i);
  }
  const keepMask = new Uint8Array(n);
  for (const list of members.values()) {
    const sub = score instanceof Float32Array ? new Float32Array(list.length) : new Float64Array(list.length);
    list.forEach((i, k) => (sub[k] = score[i]));
    const order = torch.tidy(() => scoreOrder(torch.tensor(sub))).map((k) => list[k]);
    for (const i of greedyNms(box, order, iouThreshold)) keepMask[i] = 1;
  }
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (keepMask[i]) kept.push(i);
  const keptScores = score instanceof Float32Array ? Float32Array.from(kept, (i) => score[i]) : Float64Array.from(kept, (i) => score[i]);
  const order = torch.tidy(() => scoreOrder(torch.tensor(keptScores), false));
  return indexTensor(Array.from(order, (k) => kept[k]));
}
