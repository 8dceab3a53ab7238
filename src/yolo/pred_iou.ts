// The IoUs that the 'pred-iou' rule (assign.ts, the series' select_anchor)
// chooses by: for every label and scale, the label's box against each of
// the na current predictions of its cell. Only those N · na cells per scale
// are gathered, on the heads' device and without gradient; one host read
// brings the numbers to assignAnchors. The other rules never call this.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { cellIndex, type LabelRows, type PredictedIous } from './assign.js';
import { positiveIou } from './box_loss.js';
import { gatherRows, type CellRows } from './positives.js';
import type { YoloScale } from './scale.js';

/** Every (label, anchor) pair of one scale as rows at the label's cell, label-major. */
function candidateRows(labels: LabelRows, h: number, w: number, na: number): CellRows {
  const f = labels.float32 ? Math.fround : (x: number) => x;
  const rows: CellRows = { n: [], b: [], a: [], j: [], i: [] };
  for (let n = 0; n < labels.count; n++) {
    const [b, x, y] = [labels.data[n * 6], labels.data[n * 6 + 1], labels.data[n * 6 + 2]];
    for (let a = 0; a < na; a++) {
      rows.n.push(n);
      rows.b.push(b);
      rows.a.push(a);
      rows.j.push(cellIndex(y, h, f));
      rows.i.push(cellIndex(x, w, f));
    }
  }
  return rows;
}

/**
 * [scale][label][anchor]: the IoU (grid units, plain inter / union) between
 * the label's box and that anchor's current prediction at the label's cell,
 * both measured as the series does (positives.ts BoxForm 'series': label
 * offset from the unclamped floor; sizes clamped to [0, max(W, H)] unless
 * `clampWh` is false, LossOptions.whClamp).
 * `labels` is the labels tensor on the heads' device and dtype, `rows` the
 * same labels on the host.
 */
export function predictedIous(heads: Tensor[], labels: Tensor, rows: LabelRows, scales: YoloScale[], clampWh = true): PredictedIous {
  if (rows.count === 0) return heads.map(() => []);
  const nas = heads.map((h) => h.shape[1]);
  const flat = torch.noGrad(() => torch.tidy(() => {
    const perScale = heads.map((head, s) => {
      const [, na, h, w] = head.shape;
      return positiveIou(gatherRows(head, labels, candidateRows(rows, h, w, na), scales[s], 'series', clampWh), 'iou');
    });
    return torch.cat(perScale).toArray();
  }));
  let at = 0;
  return nas.map((na) => Array.from({ length: rows.count }, () => {
    const values = flat.slice(at, at + na);
    at += na;
    return values;
  }));
}
