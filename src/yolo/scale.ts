// A YOLO head's geometry: the one description of a head that the decoder
// (decode.ts), the loss and detection share. Plain numbers, no tensors.

/** One YOLO head, in the same order as the raw head tensors given to the decoder or the loss. */
export interface YoloScale {
  /** This head's anchors [w, h] in input pixels (after the cfg's mask). */
  anchors: [number, number][];
  /** Input pixels per grid cell, one number or [x, y]; the input is w·stride × h·stride pixels. */
  stride: number | [number, number];
  /**
   * Darknet's scale_x_y (1 for YOLOv3): the centre offset in the cell is
   * sigmoid(t)·scaleXY − (scaleXY − 1)/2 (decode.ts centreOffset).
   */
  scaleXY?: number;
}

/** A head's grid: h rows, w columns. */
export interface Grid {
  h: number;
  w: number;
}

/** Strides as [x, y]. */
export function strideXY(scale: YoloScale): [number, number] {
  return typeof scale.stride === 'number' ? [scale.stride, scale.stride] : scale.stride;
}

/** The network input size in pixels, which every head must agree on. */
export function inputSize(grids: Grid[], scales: YoloScale[]): { width: number; height: number } {
  const sizes = grids.map((g, s) => {
    const [sx, sy] = strideXY(scales[s]);
    return { width: g.w * sx, height: g.h * sy };
  });
  const { width, height } = sizes[0];
  sizes.forEach((z, s) => {
    if (z.width !== width || z.height !== height) {
      throw new RangeError(`yoloLoss: head ${s} (${grids[s].w}x${grids[s].h} cells, stride ${scales[s].stride}) implies a ${z.width}x${z.height} input, head 0 a ${width}x${height} one`);
    }
  });
  return { width, height };
}

/**
 * Scales from a model's heads (their geometry apart from the stride, such as
 * Darknet.heads) and their strides (Darknet.strides()), in the same order.
 */
export function yoloScales(heads: Omit<YoloScale, 'stride'>[], strides: (number | [number, number])[]): YoloScale[] {
  if (heads.length !== strides.length) throw new RangeError(`yoloScales: ${heads.length} heads but ${strides.length} strides`);
  return heads.map((h, s) => ({ anchors: h.anchors.map(([w, h]) => [w, h] as [number, number]), stride: strides[s], scaleXY: h.scaleXY ?? 1 }));
}
