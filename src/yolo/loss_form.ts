// How the loss's parts are aggregated (LossOptions.lossForm): the list of
// forms, documented here, and what each form accepts.
import type { BboxLoss } from './box_loss.js';

/**
 * How box, objectness and class losses are aggregated into the three parts.
 * - 'mean' (ours; loss.ts): box and class are one mean over all assigned rows
 *   of all scales, objectness one mean over every prediction of every scale
 *   with pos_weight = posWeightFactor · (nPreds − nPosCells) / nPosCells
 *   (objectness.ts); boxes as positives.ts BoxForm 'mean'.
 * - 'series' (the series' compute_loss, or compute_loss2 with assign
 *   'pred-iou'; series_loss.ts): each part is the SUM OVER SCALES of per-scale
 *   means. Objectness: every scale's mean BCE over its B·na·h·w logits, with
 *   pos_weight = posWeightFactor · (P − N) / max(N, 1), P = Σ na·h·w of ONE
 *   image, N = the labels of the batch (the series divides by N and stops
 *   with ZeroDivisionError on a batch without labels; here such a batch gives
 *   box = cls = 0 and every scale's objectness mean against target 0, finite).
 *   Boxes as positives.ts BoxForm 'series' (label offset from the unclamped
 *   floor), sizes clamped to [0, max(W, H)] (whClamp, on by default in this
 *   form only). Box per labelled scale: with
 *   'mse', running sums of the xy MSE and of the wh MSE / mseWhDivisor are
 *   added again at every labelled scale (so an earlier scale's terms count
 *   once per labelled scale from it on); with 'iou', mean(1 − IoU); and with
 *   objTarget 'iou' under 'mse', compute_loss ALSO adds mean(1 − IoU) (not
 *   compute_loss2: assign 'pred-iou'). Class: per-scale mean BCE. The
 *   objectness target at an assigned cell is 1 or the detached IoU clamped
 *   ≥ 0, and when two rows share a cell the later row's (by label) wins, as
 *   the series' index_put does on the CPU. In compute_loss the series'
 *   lost indentation leaves open whether a scale without labels adds its
 *   objectness mean; here it does (docs/experiments/series-protocol.md §5:
 *   the likely reading, and what compute_loss2 does explicitly).
 *   Only the series' box losses 'mse' and 'iou' (1 − GIoU / CIoU would be
 *   our invention, untested against any transcription) and no ignoreThresh
 *   (the series has none): other settings are rejected. labelSmoothing and
 *   gains apply as in 'mean'.
 */
export const LOSS_FORMS = ['mean', 'series'] as const;
export type LossForm = (typeof LOSS_FORMS)[number];

/** The box losses the 'series' form accepts. */
export const SERIES_BBOX_LOSSES: readonly BboxLoss[] = ['mse', 'iou'];

/** Throws when a form is combined with an option it does not support. */
export function checkLossForm(form: LossForm, o: { bboxLoss: BboxLoss; ignoreThresh: number | null; whClamp: boolean }): void {
  if (form !== 'series') {
    if (o.whClamp) throw new TypeError("yoloLoss: whClamp is the series' clamp of lossForm 'series'; lossForm 'mean' does not clamp");
    return;
  }
  if (!SERIES_BBOX_LOSSES.includes(o.bboxLoss)) {
    throw new TypeError(`yoloLoss: lossForm 'series' takes bboxLoss ${SERIES_BBOX_LOSSES.map((b) => `'${b}'`).join(' or ')} (the series' two), got '${o.bboxLoss}'`);
  }
  if (o.ignoreThresh !== null) throw new TypeError(`yoloLoss: lossForm 'series' has no ignoreThresh (the series has none), got ${o.ignoreThresh}`);
}
