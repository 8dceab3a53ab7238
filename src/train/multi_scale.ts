// Multi-scale training: each batch letterboxed to a size drawn from a range
// (the loader's MultiScaleOptions, src/data/collate.ts), a multiple of the
// model's largest stride. The default range is ultralytics' (train.py
// --multi-scale: randrange(imgsz * 0.5, imgsz * 1.5 + gs) // gs * gs, a new
// size every batch), which is also used for darknet's `random=1` in a cfg's
// [yolo] sections (darknet's own draws differ by fork: 320..608 every 10
// batches in pjreddie's, 1/1.4x..1.4x in AlexeyAB's).
import { layerShapes, type DarknetCfg } from '../darknet/index.js';
import type { MultiScaleOptions } from '../data/index.js';
import type { TrainOptions } from './options.js';

/** `--multi-scale` as written: on (the default range), off, or MIN,MAX in pixels. */
export function parseMultiScale(text: string): boolean | [number, number] {
  if (text === 'on') return true;
  if (text === 'off') return false;
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`--multi-scale expects on, off or MIN,MAX in pixels with MIN <= MAX, got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** The largest head stride of `cfg` at `imgSize` (32 for yolov3): every batch size must be a multiple of it. */
export function maxStride(cfg: DarknetCfg, imgSize: number): number {
  const shapes = layerShapes(cfg, imgSize, imgSize);
  const grids = cfg.layers.filter((l) => l.type === 'yolo').map((l) => shapes[l.index].output[2]);
  return grids.length ? Math.max(...grids.map((g) => Math.round(imgSize / g))) : 32;
}

/** Ultralytics' range for `imgSize`: the multiples of `stride` its draw can give, from 0.5x (floored) to 1.5x (rounded up), at least one stride. */
export function defaultMultiScaleRange(imgSize: number, stride = 32): [number, number] {
  const lo = Math.floor(Math.floor(imgSize * 0.5) / stride) * stride;
  const hi = Math.ceil(Math.floor(imgSize * 1.5) / stride) * stride;
  return [Math.max(stride, lo), hi];
}

/** Whether the cfg asks for multi-scale training: `random` non-zero in any [yolo]. */
export const cfgWantsMultiScale = (cfg: DarknetCfg) => cfg.layers.some((l) => l.type === 'yolo' && l.random !== 0);

/**
 * The run's multi-scale setting, resolved: the option when given, else the
 * cfg's random=1 (said). Returns what options.json records (so a resume
 * trains the same) and the loader's options, checked against the stride.
 */
export function resolveMultiScale(o: TrainOptions, cfg: DarknetCfg, say: (line: string) => void): { option: boolean | [number, number]; loader?: MultiScaleOptions } {
  const fromCfg = o.multiScale === undefined && cfgWantsMultiScale(cfg);
  const option = o.multiScale ?? fromCfg;
  if (option === false) return { option };
  const stride = maxStride(cfg, o.imgSize);
  const [min, max] = option === true ? defaultMultiScaleRange(o.imgSize, stride) : option;
  const lo = Math.ceil(min / stride) * stride, hi = Math.floor(max / stride) * stride;
  if (hi < lo || lo < stride) throw new Error(`multi-scale range ${min}..${max} holds no multiple of the model's stride ${stride} (at least ${stride})`);
  const why = fromCfg ? `, as ${cfg.file}'s random=1 asks (darknet); --multi-scale off trains at ${o.imgSize} only` : '';
  say(`multi-scale training: each batch at ${lo}..${hi} px (multiples of ${stride}), a new size every batch${why}`);
  return { option, loader: { min: lo, max: hi, every: 1, stride } };
}
