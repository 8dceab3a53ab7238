// From NMS output to evaluation input: rows [x1, y1, x2, y2, score, class]
// (nonMaxSuppression's [n, 6] tensor, or plain arrays) become Detections.
import type { Tensor } from '../torch/index.js';
import type { EvalDetection, ImageId } from './types.js';

/**
 * Detections of one image. `categoryIds[c]` names class index c (e.g.
 * categoryIdsFor(names) for COCO's 1..90); without it the class index is used.
 * Boxes should already be in original-image pixels (see unletterboxBoxes).
 */
export function detectionsFromRows(rows: Tensor | readonly (readonly number[])[], imageId: ImageId, categoryIds?: readonly number[]): EvalDetection[] {
  const list = Array.isArray(rows) ? (rows as number[][]) : rowsOf(rows as Tensor);
  return list.map((r, i) => {
    if (r.length < 6) throw new RangeError(`detection row ${i}: expected [x1, y1, x2, y2, score, class], got ${r.length} values`);
    const cls = Math.round(r[5]);
    const category = categoryIds ? categoryIds[cls] : cls;
    if (category === undefined) throw new RangeError(`detection row ${i}: class ${cls} has no category id (${categoryIds!.length} given)`);
    return { imageId, box: [r[0], r[1], r[2], r[3]], score: r[4], category };
  });
}

function rowsOf(t: Tensor): number[][] {
  if (t.ndim !== 2 || t.shape[1] < 6) throw new RangeError(`detections: expected a tensor [n, 6], got [${t.shape.join(', ')}]`);
  const flat = t.toArray();
  const w = t.shape[1];
  return Array.from({ length: t.shape[0] }, (_, i) => flat.slice(i * w, i * w + w));
}
