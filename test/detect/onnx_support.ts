// Comparing two detectors' results: one-to-one pairs of (class, box, score)
// within tolerances, the largest differences found; shared by the ONNX
// detector, CLI and browser parity tests.
import assert from 'node:assert/strict';
import type { Detection } from '../../src/detect/index.js';

/** The tolerances: boxes in original image pixels, scores. */
export const BOX_TOL = 1;
export const SCORE_TOL = 1e-3;

export interface Worst { box: number; score: number; pairs: number }

const corners = (d: Detection) => [d.box.x1, d.box.y1, d.box.x2, d.box.y2];

/**
 * Every detection of `a` has its partner in `b` and the other way round:
 * same class, every corner within BOX_TOL, score within SCORE_TOL (a score
 * within SCORE_TOL of the threshold `conf` may be on one side only).
 */
export function assertSameDetections(a: Detection[], b: Detection[], conf: number, label: string, tol = { box: BOX_TOL, score: SCORE_TOL }): Worst {
  const used = new Set<number>();
  const worst: Worst = { box: 0, score: 0, pairs: 0 };
  const near = (x: Detection, y: Detection) => x.classId === y.classId && x.className === y.className && Math.abs(x.score - y.score) <= tol.score && corners(x).every((v, i) => Math.abs(v - corners(y)[i]) <= tol.box);
  for (const d of a) {
    const k = b.findIndex((e, j) => !used.has(j) && near(d, e));
    if (k < 0) {
      assert.ok(Math.abs(d.score - conf) <= tol.score, `${label}: ${JSON.stringify(d)} of the first has no partner in the second`);
      continue;
    }
    used.add(k);
    worst.pairs++;
    worst.score = Math.max(worst.score, Math.abs(d.score - b[k].score));
    worst.box = Math.max(worst.box, ...corners(d).map((v, i) => Math.abs(v - corners(b[k])[i])));
  }
  b.forEach((e, j) => assert.ok(used.has(j) || Math.abs(e.score - conf) <= tol.score, `${label}: ${JSON.stringify(e)} of the second has no partner in the first`));
  return worst;
}

export const fmtWorst = (w: Worst) => `${w.pairs} pairs, boxes within ${w.box.toExponential(2)} px, scores within ${w.score.toExponential(2)}`;
