// Post-processing of decoded YOLO outputs: confidence threshold on
// objectness x class probability, then NMS. The scoring runs in libtorch;
// the greedy loop runs natively (yolo::nms_greedy, native/src/nms.cpp: the
// same loop and float32 arithmetic as nms_core.ts's greedyNms, which an
// addon without it falls back to).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { greedyNms } from './nms_core.js';
import { softNmsCore } from './soft_nms.js';
import { checkFinite } from './validate.js';

export interface YoloNmsOptions {
  /** Keep (box, class) pairs whose objectness x class probability is > this; default 0.25 (0.001 for mAP). */
  confThreshold?: number;
  /** IoU above which a worse box of the same class is dropped; default 0.45. */
  iouThreshold?: number;
  /** Every class above the threshold becomes its own detection (as darknet prints); default false: best class only. */
  multiLabel?: boolean;
  /** Boxes of different classes suppress each other too; default false. */
  agnostic?: boolean;
  /** Most detections kept per image, best first; default 300. */
  maxDetections?: number;
  /** Most candidates entering NMS per image (best scores); default 30000. */
  maxCandidates?: number;
  /** Keep only these class indices. */
  classes?: number[];
  /** Gaussian soft-NMS instead of greedy NMS (then iouThreshold is unused). */
  soft?: { sigma?: number; scoreThreshold?: number };
}

/** Candidates sorted best first. */
interface Candidates { boxes: Float32Array; scores: Float32Array; classes: Int32Array }

/** Boxes [n, 4] cx, cy, w, h to x1, y1, x2, y2. */
function toXyxy(cxcywh: Tensor): Tensor {
  const [cx, cy, w, h] = torch.F.unbind(cxcywh, 1);
  return torch.stack([cx.sub(w.div(2)), cy.sub(h.div(2)), cx.add(w.div(2)), cy.add(h.div(2))], 1);
}

/**
 * The (box, score, class) triples above the threshold, read out of one
 * image's [N, 5 + nc] rows. Boxes are converted only for the triples kept,
 * and all three come to JavaScript in one [n, 6] read.
 */
function candidates(x: Tensor, conf: number, multiLabel: boolean, maxCandidates: number, only?: number[]): Candidates {
  return torch.tidy(() => {
    // objectness > conf is implied by obj x cls > conf: a cheap first cut (skipped when it cuts nothing)
    const pass = torch.nonzeroTuple(x.select(1, 4).gt(conf))[0];
    if (pass.shape[0] === 0) return { boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0) };
    const rows = pass.shape[0] === x.shape[0] ? x : x.indexSelect(0, pass);
    const cls = rows.slice(1, 5).mul(rows.slice(1, 4, 5));
    let row: Tensor, scores: Tensor, classes: Tensor;
    if (multiLabel) {
      [row, classes] = torch.nonzeroTuple(cls.gt(conf));
      scores = cls.index(row, classes);
    } else {
      const best = cls.maxDim(1);
      row = torch.nonzeroTuple(best.values.gt(conf))[0];
      scores = best.values.indexSelect(0, row);
      classes = best.indices.indexSelect(0, row);
    }
    if (only) {
      const wanted = torch.op('aten::isin.Tensor_Tensor', classes, torch.tensor(only, { dtype: 'int64', device: classes.device as torch.Device }), false, false);
      [row, scores, classes] = [row.index(wanted), scores.index(wanted), classes.index(wanted)];
    }
    // Best first (stable: equal scores keep box-then-class order), cut to
    // maxCandidates; the arrays then are the NMS visiting order.
    const top = scores.sort(0, true, true).indices.slice(0, 0, maxCandidates);
    const boxes = toXyxy(rows.slice(1, 0, 4).indexSelect(0, row.indexSelect(0, top)));
    return fromTable(torch.cat([boxes.float(), scores.indexSelect(0, top).float().unsqueeze(1), classes.indexSelect(0, top).float().unsqueeze(1)], 1));
  });
}

/** A table [n, 6] (x1, y1, x2, y2, score, class) read into Candidates. */
function fromTable(table: Tensor): Candidates {
  const flat = table.contiguous().dataSync() as Float32Array;
  const n = table.shape[0];
  const out = { boxes: new Float32Array(4 * n), scores: new Float32Array(n), classes: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    out.boxes.set(flat.subarray(6 * i, 6 * i + 4), 4 * i);
    out.scores[i] = flat[6 * i + 4];
    out.classes[i] = flat[6 * i + 5];
  }
  return out;
}

let nativeCandidates: boolean | undefined;

/**
 * candidates, natively where the addon has yolo::nms_candidates
 * (native/src/nms_candidates.cpp: the same table in one pass) and it
 * applies: best class only, no class filter, float32 on the CPU.
 */
function candidatesOf(x: Tensor, conf: number, multiLabel: boolean, maxCandidates: number, only?: number[]): Candidates {
  nativeCandidates ??= torch.hasOp('yolo::nms_candidates');
  if (!nativeCandidates || multiLabel || only || x.dtype !== 'float32' || x.device !== 'cpu') return candidates(x, conf, multiLabel, maxCandidates, only);
  return torch.tidy(() => fromTable(torch.op('yolo::nms_candidates', x, conf, Math.min(maxCandidates, x.shape[0])) as Tensor));
}

/**
 * NMS for one image's decoded predictions [N, 5 + nc] (cx, cy, w, h,
 * objectness, class probabilities; after sigmoid) or a batch [B, N, 5 + nc].
 * Returns one float32 tensor [n, 6] per image: x1, y1, x2, y2, score, class,
 * best score first. The caller disposes them.
 */
export function nonMaxSuppression(prediction: Tensor, options: YoloNmsOptions = {}): Tensor[] {
  const shape = prediction.shape;
  if ((shape.length !== 2 && shape.length !== 3) || shape[shape.length - 1] < 6) {
    throw new RangeError(`nonMaxSuppression: expected predictions [B, N, 5 + nc] or [N, 5 + nc] with nc >= 1, got [${shape.join(', ')}]`);
  }
  const conf = options.confThreshold ?? 0.25;
  const iouThreshold = options.iouThreshold ?? 0.45;
  const maxDet = options.maxDetections ?? 300;
  if (!(conf >= 0 && conf < 1)) throw new RangeError(`nonMaxSuppression: confThreshold must be in [0, 1), got ${conf}`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`nonMaxSuppression: iouThreshold must be in [0, 1], got ${iouThreshold}`);
  const batch = shape.length === 2 ? 1 : shape[0];
  const out: Tensor[] = [];
  try {
    for (let b = 0; b < batch; b++) {
      const x = shape.length === 2 ? prediction : prediction.select(0, b);
      let c: Candidates;
      try {
        c = candidatesOf(x, conf, options.multiLabel ?? false, options.maxCandidates ?? 30000, options.classes);
      } finally {
        if (x !== prediction) x.dispose();
      }
      checkFinite(c.boxes, 'nonMaxSuppression boxes');
      out.push(suppress(c, iouThreshold, maxDet, options));
    }
  } catch (e) {
    torch.dispose(out);
    throw e;
  }
  return out;
}

let nativeGreedy: boolean | undefined;

/** greedyNms(boxes, visiting order = as given, ...) natively where the addon has the op. */
function greedyInOrder(c: Candidates, iouThreshold: number, classes: Int32Array | undefined, limit: number): number[] {
  nativeGreedy ??= torch.hasOp('yolo::nms_greedy');
  if (!nativeGreedy) return greedyNms(c.boxes, Int32Array.from(c.scores, (_, i) => i), iouThreshold, classes, limit);
  return torch.tidy(() => {
    const boxes = torch.tensor(c.boxes, { shape: [c.boxes.length / 4, 4] });
    const cls = classes ? torch.tensor(classes) : null;
    return torch.op('yolo::nms_greedy', boxes, iouThreshold, cls, Number.isFinite(limit) ? limit : -1).toArray() as number[];
  });
}

function suppress(c: Candidates, iouThreshold: number, maxDet: number, o: YoloNmsOptions): Tensor {
  const classes = o.agnostic ? undefined : c.classes;
  let keep: number[];
  let scores: ArrayLike<number> = c.scores;
  if (o.soft) {
    const r = softNmsCore(c.boxes, c.scores, { ...o.soft, classes });
    keep = r.indices;
    const decayed = new Float32Array(c.scores.length);
    r.indices.forEach((i, k) => (decayed[i] = r.scores[k]));
    scores = decayed;
  } else {
    keep = greedyInOrder(c, iouThreshold, classes, maxDet);
  }
  keep = keep.slice(0, maxDet);
  const data = new Float32Array(keep.length * 6);
  keep.forEach((i, k) => {
    data.set(c.boxes.subarray(i * 4, i * 4 + 4), k * 6);
    data[k * 6 + 4] = scores[i];
    data[k * 6 + 5] = c.classes[i];
  });
  return torch.tensor(data, { shape: [keep.length, 6] });
}
