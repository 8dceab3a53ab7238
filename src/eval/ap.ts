// Average precision from a precision/recall curve, by the VOC rules.

/**
 * VOC2010+ AP: the area under the precision envelope (precision made
 * monotonically decreasing from the right), summed where recall changes.
 * `recall` and `precision` are per detection, in score order.
 */
export function vocApAllPoints(recall: readonly number[], precision: readonly number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

/** VOC2007 11-point AP: mean over t = 0, 0.1, ..., 1 of the best precision at recall >= t. */
export function vocAp11Point(recall: readonly number[], precision: readonly number[]): number {
  let ap = 0;
  for (let k = 0; k <= 10; k++) {
    const t = k / 10;
    let p = 0;
    for (let i = 0; i < recall.length; i++) if (recall[i] >= t) p = Math.max(p, precision[i]);
    ap += p / 11;
  }
  return ap;
}
