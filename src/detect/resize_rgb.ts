// darknet's resize_image (preprocess.ts darknetResize) straight from the
// decoded HWC bytes into the CHW float network input: the same float32
// arithmetic, bit for bit, as darknetResize on toCHWFloat's planes, but
// without the full-size float copy of the image, with the column weights
// computed once instead of per pixel, and only for the source rows the
// second pass reads (a 12-megapixel photo letterboxed to 416 needs about
// 600 of its 3000 rows). Detection spends this per image before the forward.
import type { RgbImage } from '../data/image.js';

/** Byte value v to the float toCHWFloat stores: float32(v / 255). */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Where the resized image goes: CHW float planes `width` x `height`, written at (left, top). */
export interface ResizeTarget {
  out: Float32Array;
  width: number;
  height: number;
  left: number;
  top: number;
}

/** Per output column: the byte offsets of its two source pixels and their weights (1 - dx, dx), as darknet rounds them. */
function columnWeights(w: number, newW: number): { a: Int32Array; b: Int32Array; wa: Float64Array; wb: Float64Array } {
  const f = Math.fround;
  const wScale = newW > 1 ? f((w - 1) / (newW - 1)) : 0;
  const a = new Int32Array(newW), b = new Int32Array(newW), wa = new Float64Array(newW), wb = new Float64Array(newW);
  for (let c = 0; c < newW; c++) {
    if (c === newW - 1 || w === 1) {
      a[c] = b[c] = (w - 1) * 3; // darknet copies the last column; weights 1 and 0 give that value exactly
      wa[c] = 1;
      continue;
    }
    const sx = f(c * wScale);
    const ix = Math.trunc(sx);
    const dx = f(sx - ix);
    a[c] = ix * 3;
    b[c] = (ix + 1) * 3;
    wa[c] = 1 - dx; // exact in double, as C computes (1 - dx) * value
    wb[c] = dx;
  }
  return { a, b, wa, wb };
}

/** Source row r resized along x into `part` at `at`, interleaved [newW][3]. */
function resizeRow(src: Uint8Array, rowStart: number, cols: ReturnType<typeof columnWeights>, part: Float32Array, at: number): void {
  const f = Math.fround;
  const { a, b, wa, wb } = cols;
  for (let c = 0, o = at; c < a.length; c++, o += 3) {
    const pa = rowStart + a[c], pb = rowStart + b[c], ka = wa[c], kb = wb[c];
    if (kb === 0) {
      part[o] = UNIT[src[pa]]; part[o + 1] = UNIT[src[pa + 1]]; part[o + 2] = UNIT[src[pa + 2]];
      continue;
    }
    part[o] = f(f(ka * UNIT[src[pa]]) + f(kb * UNIT[src[pb]]));
    part[o + 1] = f(f(ka * UNIT[src[pa + 1]]) + f(kb * UNIT[src[pb + 1]]));
    part[o + 2] = f(f(ka * UNIT[src[pa + 2]]) + f(kb * UNIT[src[pb + 2]]));
  }
}

/**
 * `img` resized to newW x newH with darknet's bilinear resize_image (corners
 * aligned, rows first, float32), values in 0..1, written as CHW planes into
 * `to` (pixels outside the resized rectangle are left as they are).
 */
export function resizeRgbInto(img: RgbImage, newW: number, newH: number, to: ResizeTarget): void {
  const f = Math.fround;
  const { width: w, height: h, data: src } = img;
  const hScale = newH > 1 ? f((h - 1) / (newH - 1)) : 0;
  const cols = columnWeights(w, newW);
  // the source rows each output row reads (iy, and iy + 1 unless it is darknet's last row), resized once each
  const rowY = new Int32Array(newH), rowDy = new Float32Array(newH);
  const slot = new Int32Array(h).fill(-1);
  let slots = 0;
  for (let r = 0; r < newH; r++) {
    const sy = f(r * hScale);
    rowY[r] = Math.trunc(sy);
    rowDy[r] = f(sy - rowY[r]);
    const last = r === newH - 1 || h === 1;
    for (const y of last ? [rowY[r]] : [rowY[r], rowY[r] + 1]) if (slot[y] < 0) slot[y] = slots++;
  }
  const rowLen = newW * 3;
  const part = new Float32Array(slots * rowLen);
  for (let y = 0; y < h; y++) if (slot[y] >= 0) resizeRow(src, y * w * 3, cols, part, slot[y] * rowLen);
  const plane = to.width * to.height;
  for (let r = 0; r < newH; r++) {
    const dy = rowDy[r], keep = 1 - dy;
    const p0 = slot[rowY[r]] * rowLen;
    const p1 = r === newH - 1 || h === 1 ? -1 : slot[rowY[r] + 1] * rowLen;
    const rowOut = (r + to.top) * to.width + to.left;
    for (let k = 0; k < 3; k++) {
      const dst = k * plane + rowOut;
      if (p1 < 0) {
        for (let c = 0; c < newW; c++) to.out[dst + c] = f(keep * part[p0 + c * 3 + k]);
      } else {
        for (let c = 0; c < newW; c++) to.out[dst + c] = f(f(keep * part[p0 + c * 3 + k]) + f(dy * part[p1 + c * 3 + k]));
      }
    }
  }
}
