// What one training step tells about its assignment, read from the loss's
// heads: for every assigned (s, n, b, a, i, j) row, the IoU of the
// prediction with its label (the loss's own positives), its objectness,
// and the label's identity across epochs; plus the sum of objectness over
// every prediction. A few small reads from the device per step, made only
// when diagnostics are on.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { cellPositions, gatherPositives, positiveIou, type Assignment, type YoloScale } from '../../yolo/index.js';
import type { AssignedRow, StepStats } from './assignment_stats.js';

/** Label n's identity: its image and its row among that image's labels (stable while the data does not change). */
function labelKeys(labels: ArrayLike<number>, count: number, imageIds: readonly string[]): string[] {
  const seen = new Map<number, number>();
  return Array.from({ length: count }, (_, n) => {
    const b = labels[n * 6];
    const k = seen.get(b) ?? 0;
    seen.set(b, k + 1);
    return `${imageIds[b]}#${k}`;
  });
}

export function stepStats(heads: readonly Tensor[], scales: readonly YoloScale[], asg: Assignment, labels: Tensor, imageIds: readonly string[]): StepStats {
  return torch.noGrad(() => torch.tidy(() => {
    const lab = labels.to({ dtype: 'float32', device: 'cpu' }).dataSync() as Float32Array;
    const keys = labelKeys(lab, labels.shape[0], imageIds);
    // every prediction's objectness, the heads concatenated as the loss's cellPositions counts them
    const objAll = torch.cat(heads.map((h) => h.select(4, 4).reshape([-1]))).sigmoid();
    const objSum = objAll.sum().item();
    const objCount = objAll.shape[0];
    // the loss's own positives (rows in the assignment's order): boxes relative to their cell, grid units
    const p = gatherPositives([...heads], labels.to(heads[0].dtype), asg, [...scales]);
    if (!p) return { rows: [], objSum, objCount };
    const iou = positiveIou(p, 'iou').to({ dtype: 'float32', device: 'cpu' }).dataSync() as Float32Array;
    const at = torch.tensor(cellPositions([...heads], asg), { dtype: 'int64', device: objAll.device as torch.Device });
    const obj = objAll.index(at).to({ dtype: 'float32', device: 'cpu' }).dataSync() as Float32Array;
    const rows: AssignedRow[] = asg.s.map((s, k) => ({
      label: keys[asg.n[k]], s, a: asg.a[k], iou: iou[k], obj: obj[k], cell: `${s},${asg.b[k]},${asg.a[k]},${asg.j[k]},${asg.i[k]}`,
    }));
    return { rows, objSum, objCount };
  }));
}
