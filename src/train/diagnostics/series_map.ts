// The series' mAP during training (docs/experiments/series-protocol.md §7),
// as its train.py computes it: every 10th batch of an epoch (ii % 10 == 0),
// an eval-mode forward of the batch just trained, NMS at conf 0.3 and IoU
// 0.5, predictions and labels stacked over the epoch, mAP at IoU 0.5.
// Reproduced quirk: an image is known only by its index within its batch,
// so images 0, 40 and 80 of an epoch share index 0 — a prediction may match
// a label of another image with the same index. Our own protocol (every
// training image after the epoch, val/evaluate.ts) has no such collision.
// Where the text's lost indentation leaves a choice, the labels of a batch
// without any detection are kept (they count as misses).
import { evaluateVoc, type EvalDetection, type GroundTruth } from '../../eval/index.js';

/** The series' EVAL_INTEVAL: batches with ii % 10 == 0 are evaluated. */
export const SERIES_EVAL_INTERVAL = 10;

export class SeriesMap {
  #detections: EvalDetection[] = [];
  #truth: GroundTruth[] = [];
  #batches = 0;

  /** Whether the batch with this 0-based index in its epoch is evaluated. */
  static evaluates(batchInEpoch: number): boolean {
    return batchInEpoch % SERIES_EVAL_INTERVAL === 0;
  }

  /**
   * One evaluated batch: NMS rows per image (x1, y1, x2, y2, score, class in
   * input pixels), the batch's labels [n × 6] (b, x, y, w, h, cls; 0..1) and
   * the input size. Coordinates are kept as fractions, as the series divides
   * by the width and height.
   */
  add(rows: readonly ArrayLike<number>[], labels: ArrayLike<number>, width: number, height: number): void {
    rows.forEach((r, b) => {
      for (let k = 0; k + 6 <= r.length; k += 6) {
        this.#detections.push({ imageId: b, box: [r[k] / width, r[k + 1] / height, r[k + 2] / width, r[k + 3] / height], score: r[k + 4], category: r[k + 5] });
      }
    });
    for (let k = 0; k + 6 <= labels.length; k += 6) {
      const [b, x, y, w, h, c] = Array.from({ length: 6 }, (_, q) => labels[k + q]);
      this.#truth.push({ imageId: b, box: [x - w / 2, y - h / 2, x + w / 2, y + h / 2], category: c });
    }
    this.#batches++;
  }

  /** For a mid-epoch checkpoint: what the epoch has gathered so far (a few boxes: conf ≥ 0.3 after NMS). */
  stateDict(): SeriesMapState {
    return { detections: this.#detections, truth: this.#truth, batches: this.#batches };
  }

  loadStateDict(state: SeriesMapState | undefined): void {
    this.#detections = state?.detections ?? [];
    this.#truth = state?.truth ?? [];
    this.#batches = state?.batches ?? 0;
  }

  /** mAP@0.5 of the epoch (0 when no batch was evaluated or nothing was found, as the series' compute_mAP of nothing); resets. */
  endEpoch(): { map50: number; batches: number } {
    const batches = this.#batches;
    const map = this.#truth.length ? evaluateVoc(this.#truth, this.#detections, { iouThreshold: 0.5 }).map : NaN;
    this.#detections = [];
    this.#truth = [];
    this.#batches = 0;
    return { map50: Number.isFinite(map) ? map : 0, batches };
  }
}

export interface SeriesMapState {
  detections: EvalDetection[];
  truth: GroundTruth[];
  batches: number;
}
