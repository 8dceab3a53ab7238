// The predictions at assigned cells and what they should become: boxes in
// grid units relative to the cell's top-left corner, class logits and
// classes, one row per (s, n, b, a, i, j) row of the assignment.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Assignment } from './assign.js';
import { anchorsIn, boxSize, centreOffset } from './decode.js';
import type { YoloScale } from './scale.js';

export interface Positives {
  /** Predicted boxes [m, 4]: centre offset in the cell (0..1 for scaleXY 1) and w, h = anchor · exp(t), grid units. */
  pbox: Tensor;
  /** Label boxes [m, 4]: (x·W − i, y·H − j, w·W, h·H) on a W × H grid. */
  tbox: Tensor;
  /** Class logits [m, nc]. */
  clsLogits: Tensor;
  /** Label classes [m], int64. */
  cls: Tensor;
}

function longTensor(values: number[], device: string): Tensor {
  return torch.tensor(values, { dtype: 'int64', device: device as torch.Device });
}

/** Rows of the assignment at scale s. */
function rowsOf(asg: Assignment, s: number): number[] {
  const rows: number[] = [];
  asg.s.forEach((v, k) => v === s && rows.push(k));
  return rows;
}

/** Gathers predictions and targets at the assigned cells, or null when there are none. */
export function gatherPositives(heads: Tensor[], labels: Tensor, asg: Assignment, scales: YoloScale[]): Positives | null {
  if (asg.s.length === 0) return null;
  return torch.tidy(() => {
    const parts: Positives[] = [];
    heads.forEach((head, s) => {
      const rows = rowsOf(asg, s);
      if (rows.length === 0) return;
      const dev = head.device;
      const pick = (col: number[]) => longTensor(rows.map((k) => col[k]), dev);
      const [b, a, j, i, n] = [pick(asg.b), pick(asg.a), pick(asg.j), pick(asg.i), pick(asg.n)];
      const [, , h, w, k] = head.shape;
      const pred = head.index(b, a, j, i); // [m, 5 + nc], the seed's yhat[b, a, j, i]
      const lab = labels.index(n); // [m, 6]
      const gridWH = torch.tensor([w, h], { device: dev as torch.Device });
      const cell = torch.stack([i, j], 1).to(lab.dtype);
      const txy = lab.slice(1, 1, 3).mul(gridWH).sub(cell);
      const twh = lab.slice(1, 3, 5).mul(gridWH);
      // decode.ts's box without the cell corner: the offset in the cell
      const pxy = centreOffset(pred.slice(1, 0, 2), scales[s].scaleXY ?? 1);
      const pwh = boxSize(pred.slice(1, 2, 4), anchorsIn(scales[s], 'grid', dev).index(a));
      parts.push({
        pbox: torch.cat([pxy, pwh], 1),
        tbox: torch.cat([txy, twh], 1),
        clsLogits: pred.slice(1, 5, k),
        cls: lab.select(1, 5).long(),
      });
    });
    return {
      pbox: torch.cat(parts.map((p) => p.pbox)),
      tbox: torch.cat(parts.map((p) => p.tbox)),
      clsLogits: torch.cat(parts.map((p) => p.clsLogits)),
      cls: torch.cat(parts.map((p) => p.cls)),
    };
  });
}
