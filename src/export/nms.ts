// The in-graph post-processing for `--nms`: what boxes/yolo_nms.ts
// nonMaxSuppression does to decoded predictions [B, N, 5+nc], with ONNX's
// NonMaxSuppression for the greedy loop. Scores are objectness × class
// probability; a box competes only for its best class (or, multi-label, for
// every class); boxes of one class suppress each other when IoU > iou (all
// classes together when agnostic); each image keeps its maxDet best.
// Output [n, 7]: batch index, x1, y1, x2, y2 (input pixels), score, class,
// by image, best score first.
import type { GraphBuilder } from './graph.js';
import { DataType } from '../onnx/onnx_proto.js';
import { concat, dim, slice, squeeze, unsqueeze } from './ops.js';

export interface NmsOptions {
  conf: number;
  iou: number;
  maxDet: number;
  agnostic: boolean;
  multiLabel: boolean;
}

/** Corner boxes [B, N, 4] (x1, y1, x2, y2) from centre boxes, as yolo_nms.ts computes them. */
function cornerBoxes(g: GraphBuilder, pred: string): string {
  const [cx, cy, w, h] = [0, 1, 2, 3].map((c) => slice(g, pred, 2, c, c + 1, 1, ['nms_cx', 'nms_cy', 'nms_w', 'nms_h'][c]));
  const two = g.constFloats([2], []);
  const hw = g.op('Div', [w, two], {}, 'nms_half_w');
  const hh = g.op('Div', [h, two], {}, 'nms_half_h');
  return concat(g, [
    g.op('Sub', [cx, hw], {}, 'nms_x1'), g.op('Sub', [cy, hh], {}, 'nms_y1'),
    g.op('Add', [cx, hw], {}, 'nms_x2'), g.op('Add', [cy, hh], {}, 'nms_y2'),
  ], 2, 'nms_boxes');
}

/** Scores [B, C, N] for NonMaxSuppression and, when agnostic, each box's class [B, N]. */
function classScores(g: GraphBuilder, pred: string, nc: number, o: NmsOptions): { scores: string; boxClass?: string } {
  const obj = slice(g, pred, 2, 4, 5, 1, 'nms_obj');
  const all = g.op('Mul', [slice(g, pred, 2, 5, 5 + nc, 1, 'nms_cls'), obj], {}, 'nms_cls_scores'); // [B, N, nc]
  if (o.multiLabel) return { scores: g.op('Transpose', [all], { perm: { ints: [0, 2, 1] } }, 'nms_scores') };
  const best = g.op('ReduceMax', [all], { axes: { ints: [2] }, keepdims: { i: 1 } }, 'nms_best_score'); // [B, N, 1]
  const arg = g.op('ArgMax', [all], { axis: { i: 2 }, keepdims: { i: 1 }, select_last_index: { i: 0 } }, 'nms_best_class');
  if (o.agnostic) {
    return { scores: g.op('Transpose', [best], { perm: { ints: [0, 2, 1] } }, 'nms_scores'), boxClass: squeeze(g, arg, [2], 'nms_box_class') };
  }
  // only the best class keeps its score (ArgMax: the first on ties, as torch's max)
  const isBest = g.op('Equal', [arg, g.constInts(Array.from({ length: nc }, (_, c) => c), [1, 1, nc])], {}, 'nms_is_best');
  const kept = g.op('Where', [isBest, all, g.constFloats([0], [])], {}, 'nms_best_only');
  return { scores: g.op('Transpose', [kept], { perm: { ints: [0, 2, 1] } }, 'nms_scores') };
}

/** Ranks each selected row within its image (rows sorted by image): position minus the image's first position. */
function rankInImage(g: GraphBuilder, batchIdx: string, batchSize: string, positions: string): string {
  const zero = g.constInts([0], []);
  const one = g.constInts([1], []);
  const images = g.op('Range', [zero, batchSize, one], {}, 'nms_images'); // [B]
  const member = g.op('Cast', [g.op('Equal', [unsqueeze(g, batchIdx, [1], 'nms_b_col'), unsqueeze(g, images, [0], 'nms_img_row')], {}, 'nms_member')], { to: { i: DataType.INT64 } }, 'nms_member_i');
  const perImage = g.op('ReduceSum', [member, g.constInts([0])], { keepdims: { i: 0 } }, 'nms_per_image'); // [B]
  const first = g.op('CumSum', [perImage, g.constInts([0], [])], { exclusive: { i: 1 } }, 'nms_first');
  return g.op('Sub', [positions, g.op('Gather', [first, batchIdx], { axis: { i: 0 } }, 'nms_image_first')], {}, 'nms_rank');
}

/** Appends NMS to decoded predictions `pred` [B, N, 5+nc] of input `images`; returns the detections value [n, 7]. */
export function exportNms(g: GraphBuilder, pred: string, images: string, nc: number, o: NmsOptions): string {
  const boxes = cornerBoxes(g, pred);
  const { scores, boxClass } = classScores(g, pred, nc, o);
  const selected = g.op('NonMaxSuppression', [boxes, scores, g.constInts([o.maxDet]), g.constFloats([o.iou]), g.constFloats([o.conf])], { center_point_box: { i: 0 } }, 'nms_selected'); // [n, 3]: image, class, box
  const img = squeeze(g, slice(g, selected, 1, 0, 1, 1, 'nms_sel_image'), [1], 'nms_image');
  const imageBox = g.op('Concat', [slice(g, selected, 1, 0, 1, 1, 'nms_sel_b'), slice(g, selected, 1, 2, 3, 1, 'nms_sel_box')], { axis: { i: 1 } }, 'nms_image_box');
  const score = g.op('GatherND', [scores, selected], {}, 'nms_score'); // [n]
  const cls = boxClass ? g.op('GatherND', [boxClass, imageBox], {}, 'nms_class') : squeeze(g, slice(g, selected, 1, 1, 2, 1, 'nms_sel_class'), [1], 'nms_class');
  const rows = concat(g, [
    g.op('Cast', [unsqueeze(g, img, [1], 'nms_image_col')], { to: { i: DataType.FLOAT } }, 'nms_image_f'),
    g.op('GatherND', [boxes, imageBox], {}, 'nms_box'),
    unsqueeze(g, score, [1], 'nms_score_col'),
    g.op('Cast', [unsqueeze(g, cls, [1], 'nms_class_col')], { to: { i: DataType.FLOAT } }, 'nms_class_f'),
  ], 1, 'nms_rows'); // [n, 7]
  // order: best score first (TopK puts equal scores in index order), then a stable regroup by image
  const count = dim(g, score, 0, 'nms_count');
  const k = unsqueeze(g, count, [0], 'nms_k');
  const positions = g.op('Range', [g.constInts([0], []), count, g.constInts([1], [])], {}, 'nms_positions');
  const byScore = g.opN('TopK', [score, k], 2, { axis: { i: 0 }, largest: { i: 1 }, sorted: { i: 1 } }, 'nms_by_score')[1];
  const imgByScore = g.op('Gather', [img, byScore], { axis: { i: 0 } }, 'nms_image_by_score');
  const key = g.op('Add', [g.op('Mul', [imgByScore, count], {}, 'nms_key_image'), positions], {}, 'nms_key'); // distinct: image · n + position
  const byImage = g.opN('TopK', [key, k], 2, { axis: { i: 0 }, largest: { i: 0 }, sorted: { i: 1 } }, 'nms_by_image')[1];
  const order = g.op('Gather', [byScore, byImage], { axis: { i: 0 } }, 'nms_order');
  const sortedImg = g.op('Gather', [img, order], { axis: { i: 0 } }, 'nms_sorted_image');
  const rank = rankInImage(g, sortedImg, dim(g, images, 0, 'nms_batch'), positions);
  const keep = g.op('Less', [rank, g.constInts([o.maxDet], [])], {}, 'nms_keep');
  const sorted = g.op('Gather', [rows, order], { axis: { i: 0 } }, 'nms_sorted_rows');
  return g.op('Compress', [sorted, keep], { axis: { i: 0 } }, 'nms_detections');
}
