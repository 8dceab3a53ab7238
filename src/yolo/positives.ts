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

/**
 * How the boxes of a positive are measured.
 * - 'mean' (ours): as documented on Positives; the label offset is taken
 *   from the (clamped) cell, so a label at x = 1 has offset 1 in the last cell.
 * - 'series' (the series' compute_loss / select_anchor): the label offset
 *   x·W − floor(x·W) with the unclamped floor, so a label at x = 1 has
 *   offset 0 in the last cell.
 * The series also clamps the predicted w, h to [0, max(W, H)] grid units
 * (gatherRows' `clampWh`, LossOptions.whClamp): no gradient flows past the
 * clamp, so a box that has grown beyond the grid stays there.
 */
export type BoxForm = 'mean' | 'series';

/** Rows to gather from one head: label n (its row in the labels), image b, anchor a, cell row j, column i. */
export interface CellRows {
  n: number[];
  b: number[];
  a: number[];
  j: number[];
  i: number[];
}

function longTensor(values: number[], device: string): Tensor {
  return torch.tensor(values, { dtype: 'int64', device: device as torch.Device });
}

/** Rows of the assignment at scale s. */
export function rowsOf(asg: Assignment, s: number): number[] {
  const rows: number[] = [];
  asg.s.forEach((v, k) => v === s && rows.push(k));
  return rows;
}

/** The assignment's columns restricted to its rows `rows`. */
export function cellRows(asg: Assignment, rows: number[]): CellRows {
  const pick = (col: number[]) => rows.map((k) => col[k]);
  return { n: pick(asg.n), b: pick(asg.b), a: pick(asg.a), j: pick(asg.j), i: pick(asg.i) };
}

/** Predictions and targets of one head at the given rows (at least one). */
export function gatherRows(head: Tensor, labels: Tensor, rows: CellRows, scale: YoloScale, form: BoxForm = 'mean', clampWh = false): Positives {
  return torch.tidy(() => {
    const dev = head.device;
    const [b, a, j, i, n] = [rows.b, rows.a, rows.j, rows.i, rows.n].map((c) => longTensor(c, dev));
    const [, , h, w, k] = head.shape;
    const pred = head.index(b, a, j, i); // [m, 5 + nc], the seed's yhat[b, a, j, i]
    const lab = labels.index(n); // [m, 6]
    const gridWH = torch.tensor([w, h], { dtype: lab.dtype, device: dev as torch.Device });
    const xy = lab.slice(1, 1, 3).mul(gridWH);
    const txy = form === 'series' ? xy.sub(xy.floor()) : xy.sub(torch.stack([i, j], 1).to(lab.dtype));
    const twh = lab.slice(1, 3, 5).mul(gridWH);
    // decode.ts's box without the cell corner: the offset in the cell
    const pxy = centreOffset(pred.slice(1, 0, 2), scale.scaleXY ?? 1);
    let pwh = boxSize(pred.slice(1, 2, 4), anchorsIn(scale, 'grid', dev, head.dtype).index(a));
    if (clampWh) pwh = pwh.clamp(0, Math.max(w, h));
    return { pbox: torch.cat([pxy, pwh], 1), tbox: torch.cat([txy, twh], 1), clsLogits: pred.slice(1, 5, k), cls: lab.select(1, 5).long() };
  });
}

/** Gathers predictions and targets at the assigned cells, or null when there are none. */
export function gatherPositives(heads: Tensor[], labels: Tensor, asg: Assignment, scales: YoloScale[]): Positives | null {
  if (asg.s.length === 0) return null;
  return torch.tidy(() => {
    const parts: Positives[] = [];
    heads.forEach((head, s) => {
      const rows = rowsOf(asg, s);
      if (rows.length > 0) parts.push(gatherRows(head, labels, cellRows(asg, rows), scales[s]));
    });
    return {
      pbox: torch.cat(parts.map((p) => p.pbox)),
      tbox: torch.cat(parts.map((p) => p.tbox)),
      clsLogits: torch.cat(parts.map((p) => p.clsLogits)),
      cls: torch.cat(parts.map((p) => p.cls)),
    };
  });
}
