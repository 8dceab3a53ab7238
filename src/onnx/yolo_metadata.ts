// The metadata_props of an exported detector, read back: the contract
// between `yolov3 export` (src/export/metadata.ts writes it) and what runs
// the model without libtorch (the ONNX Detector, the browser page). Plain
// code (no Node modules), so the page uses it as it is. A missing or
// malformed key is an Error naming the file and the key.

/** raw: one output per [yolo] layer; decoded: boxes in input pixels and scores; nms: final detections. */
export type OutputKind = 'raw' | 'decoded' | 'nms';
export const OUTPUT_KINDS: readonly OutputKind[] = ['raw', 'decoded', 'nms'];

/** What a consumer of raw heads needs to decode one (yolo/decode.ts decodeHead). */
export interface HeadGeometry {
  /** [na, h, w, 5 + nc] */
  shape: [number, number, number, number];
  /** [w, h] in input pixels, one per anchor. */
  anchors: [number, number][];
  /** input pixels per cell, [x, y] */
  stride: [number, number];
  scaleXY: number;
}

/** The in-graph NMS's settings (output 'nms'). */
export interface InGraphNms {
  conf: number;
  iou: number;
  maxDet: number;
  agnostic: boolean;
  multiLabel: boolean;
}

export interface YoloOnnxMetadata {
  /** Where the metadata came from, for messages. */
  file: string;
  names: string[];
  inputWidth: number;
  inputHeight: number;
  resize: 'letterbox' | 'stretch';
  output: OutputKind;
  heads: HeadGeometry[];
  /** With output 'nms'. */
  nms?: InGraphNms;
}

function reader(meta: Record<string, string>, file: string) {
  const fail = (key: string, why: string): never => {
    throw new Error(`${file}: metadata_props '${key}' ${why} (is this a model written by \`yolov3 export\`?)`);
  };
  const text = (key: string): string => meta[key] ?? fail(key, 'is missing');
  const json = (key: string): unknown => {
    try {
      return JSON.parse(text(key));
    } catch {
      return fail(key, `is not JSON: ${JSON.stringify(text(key)).slice(0, 80)}`);
    }
  };
  const positiveInt = (key: string): number => {
    const n = Number(text(key));
    return Number.isInteger(n) && n > 0 ? n : fail(key, `must be a positive integer, got '${text(key)}'`);
  };
  const oneOf = <T extends string>(key: string, choices: readonly T[]): T => (choices.includes(text(key) as T) ? (text(key) as T) : fail(key, `must be one of ${choices.join(', ')}, got '${text(key)}'`));
  return { fail, json, positiveInt, oneOf };
}

const isNumbers = (v: unknown, n: number): boolean => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function heads(value: unknown, fail: (key: string, why: string) => never): HeadGeometry[] {
  if (!Array.isArray(value) || value.length === 0) return fail('heads', 'must be a non-empty list');
  return value.map((h: { shape?: unknown; anchors?: unknown; stride?: unknown; scale_xy?: unknown }, n) => {
    const ok = isNumbers(h?.shape, 4) && isNumbers(h?.stride, 2) && Array.isArray(h?.anchors) && (h.anchors as unknown[]).every((a) => isNumbers(a, 2)) && typeof h?.scale_xy === 'number';
    if (!ok || (h.anchors as unknown[]).length !== (h.shape as number[])[0]) fail('heads', `entry ${n} is not { shape: [na, h, w, k], anchors: na x [w, h], stride: [x, y], scale_xy }`);
    return { shape: h.shape as HeadGeometry['shape'], anchors: h.anchors as [number, number][], stride: h.stride as [number, number], scaleXY: h.scale_xy as number };
  });
}

function inGraphNms(value: unknown, fail: (key: string, why: string) => never): InGraphNms {
  const v = value as { conf?: unknown; iou?: unknown; max_det?: unknown; agnostic?: unknown; multi_label?: unknown } | null;
  const ok = v && typeof v.conf === 'number' && typeof v.iou === 'number' && typeof v.max_det === 'number' && typeof v.agnostic === 'boolean' && typeof v.multi_label === 'boolean';
  if (!ok) return fail('nms', 'must be { conf, iou, max_det, agnostic, multi_label }');
  return { conf: v.conf as number, iou: v.iou as number, maxDet: v.max_det as number, agnostic: v.agnostic as boolean, multiLabel: v.multi_label as boolean };
}

/** Reads the keys src/export/metadata.ts writes; `file` names the model in errors. */
export function parseYoloMetadata(meta: Record<string, string>, file: string): YoloOnnxMetadata {
  const r = reader(meta, file);
  const names = r.json('names');
  if (!Array.isArray(names) || names.length === 0 || !names.every((s) => typeof s === 'string')) r.fail('names', 'must be a non-empty list of strings');
  const out: YoloOnnxMetadata = {
    file,
    names: names as string[],
    inputWidth: r.positiveInt('input_width'),
    inputHeight: r.positiveInt('input_height'),
    resize: r.oneOf('resize', ['letterbox', 'stretch'] as const),
    output: r.oneOf('output', OUTPUT_KINDS),
    heads: heads(r.json('heads'), r.fail),
  };
  const k = 5 + out.names.length;
  out.heads.forEach((h, n) => {
    if (h.shape[3] !== k) r.fail('heads', `entry ${n} has ${h.shape[3]} values per prediction, but ${out.names.length} names need ${k}`);
  });
  if (out.output === 'nms') out.nms = inGraphNms(r.json('nms'), r.fail);
  return out;
}
