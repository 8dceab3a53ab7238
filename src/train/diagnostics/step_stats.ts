// What one training step tells about its assignment, read from the loss's
// heads: for every assigned (s, n, b, a, i, j) row, the prediction's box
// (the one head decoder, grid units) against its label's, its objectness,
// and the label's identity across epochs; plus the sum of objectness over
// every prediction. A few small reads from the device per step, made only
// when diagnostics are on.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { decodeBoxes, type Assignment, type YoloScale } from '../../yolo/index.js';
import { boxIou, type AssignedRow, type StepStats } from './assignment_stats.js';

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
    const rows: AssignedRow[] = [];
    let objSum = 0, objCount = 0;
    heads.forEach((head, s) => {
      const [, , h, w] = head.shape;
      objSum += head.select(4, 4).sigmoid().sum().item();
      objCount += head.shape.slice(0, 4).reduce((a, b) => a * b, 1);
      const ks = asg.s.flatMap((v, k) => (v === s ? [k] : []));
      if (ks.length === 0) return;
      const idx = (col: number[]) => torch.tensor(ks.map((k) => col[k]), { dtype: 'int64', device: head.device as torch.Device });
      const [b, a, j, i] = [idx(asg.b), idx(asg.a), idx(asg.j), idx(asg.i)];
      const boxes = decodeBoxes(head, scales[s], 'grid').index(b, a, j, i).to({ dtype: 'float32', device: 'cpu' }).dataSync() as Float32Array;
      const obj = head.index(b, a, j, i).select(1, 4).sigmoid().to({ dtype: 'float32', device: 'cpu' }).dataSync() as Float32Array;
      ks.forEach((k, m) => {
        const n = asg.n[k];
        const truth = [lab[n * 6 + 1] * w, lab[n * 6 + 2] * h, lab[n * 6 + 3] * w, lab[n * 6 + 4] * h];
        rows.push({
          label: keys[n], s, a: asg.a[k], iou: boxIou(Array.from(boxes.subarray(m * 4, m * 4 + 4)), truth), obj: obj[m],
          cell: `${s},${asg.b[k]},${asg.a[k]},${asg.j[k]},${asg.i[k]}`,
        });
      });
    });
    return { rows, objSum, objCount };
  }));
}
