// Fixed float64 heads and labels for the series-form tests
// (series_loss.test.ts): yolov3-tiny's 2 scales and yolov3's 3, small grids,
// labels that hit what the series does oddly.
import * as torch from '../../src/torch/index.js';
import type { YoloScale } from '../../src/yolo/index.js';

export interface SeriesConfig {
  name: string;
  scales: YoloScale[];
  /** Input width, height in pixels. */
  input: [number, number];
  batch: number;
  classes: number;
  labels: number[][];
  /** Only the 'ratio' rule (compute_loss) is checked on this one. */
  ratioOnly?: boolean;
  /** A label whose cells get predictions that miss it at every scale (IoU 0 with every anchor). */
  zeroIouLabel?: number;
  /** A label whose scale-0 cell gets tw = th = 3 at every anchor: sizes beyond the clamp to max(W, H). */
  clampLabel?: number;
  seed: number;
}

const TINY: YoloScale[] = [
  { anchors: [[81, 82], [135, 169], [344, 319]], stride: 32 },
  { anchors: [[10, 14], [23, 27], [37, 58]], stride: 16 },
];
const YOLOV3: YoloScale[] = [
  { anchors: [[116, 90], [156, 198], [373, 326]], stride: 32 },
  { anchors: [[30, 61], [62, 45], [59, 119]], stride: 16 },
  { anchors: [[10, 13], [16, 30], [33, 23]], stride: 8 },
];

/** Labels shared by both models: [b, x, y, w, h, cls]. */
const COMMON = [
  [0, 0.3, 0.4, 0.2, 0.25, 1],
  [0, 0.3, 0.4, 0.2, 0.25, 0], // the same box again (another class): one cell, same anchor, under every rule
  [0, 0.31, 0.41, 0.21, 0.24, 2], // the same cell at every scale, a different IoU: the objectness target's last write
  [1, 0.62, 0.27, 0.05, 0.06, 0], // small: 'ratio' trains it at every scale
  [1, 1.0, 0.55, 0.12, 0.2, 2], // x = 1: the last column, offset 0 (the unclamped floor)
  [0, 0.45, 1.0, 0.3, 0.1, 1], // y = 1
  [1, 0.5, 0.5, 0.9, 0.85, 1], // large
];

export const SERIES_CONFIGS: SeriesConfig[] = [
  {
    name: 'tiny', scales: TINY, input: [96, 96], batch: 2, classes: 3, seed: 21,
    // 7: tiny, offset 0.05 / 0.1 in its cells (3x3, 6x6); 8: medium, scale-0 cell (2, 2)
    labels: [...COMMON, [1, 0.35, 4.1 / 6, 0.01, 0.01, 2], [0, 0.75, 0.7, 0.35, 0.45, 0]],
    zeroIouLabel: 7, clampLabel: 8,
  },
  {
    name: 'yolov3', scales: YOLOV3, input: [128, 96], batch: 2, classes: 3, seed: 22,
    // 7: tiny, offsets 0.025 / 0.05 / 0.1 in its cells (w 4, 8, 16; h 3, 6, 12); 8: medium, scale-0 cell (3, 2)
    labels: [...COMMON, [0, 8.1 / 16, 4.1 / 12, 0.01, 0.01, 2], [0, 0.75, 0.7, 0.35, 0.45, 0]],
    zeroIouLabel: 7, clampLabel: 8,
  },
  {
    // Only large boxes: no label at stride 8 under 'ratio' (its objectness still counts, the likely reading).
    name: 'large', scales: YOLOV3, input: [128, 96], batch: 2, classes: 3, seed: 23, ratioOnly: true,
    labels: [[0, 0.5, 0.5, 0.9, 0.85, 1], [1, 0.3, 0.6, 0.7, 0.8, 0], [1, 0.7, 0.3, 0.6, 0.5, 2]],
  },
];

/** Sets raw outputs k0, k0+1 of every anchor at the cell of label n (image b) to `value`. */
function setCell(data: number[], shape: number[], label: number[], k0: number, value: number): void {
  const [, na, h, w, k] = shape;
  const i = Math.min(Math.floor(label[1] * w), w - 1);
  const j = Math.min(Math.floor(label[2] * h), h - 1);
  for (let a = 0; a < na; a++) {
    const at = (((label[0] * na + a) * h + j) * w + i) * k + k0;
    data[at] = value;
    data[at + 1] = value;
  }
}

/** Raw float64 heads [B, na, h, w, 5 + nc] per scale: N(0, 0.5²), with the config's special cells. */
export function seriesHeads(cfg: SeriesConfig): torch.Tensor[] {
  torch.manualSeed(cfg.seed);
  return cfg.scales.map((scale, s) => {
    const stride = scale.stride as number;
    const shape = [cfg.batch, scale.anchors.length, cfg.input[1] / stride, cfg.input[0] / stride, 5 + cfg.classes];
    const data = torch.tidy(() => torch.randn(shape, { dtype: 'float64' }).mul(0.5).toArray());
    if (cfg.zeroIouLabel !== undefined) {
      setCell(data, shape, cfg.labels[cfg.zeroIouLabel], 0, 4); // centre near the far corner (sigmoid 0.98)
      setCell(data, shape, cfg.labels[cfg.zeroIouLabel], 2, -5); // sizes e^-5 of the anchor
    }
    if (cfg.clampLabel !== undefined && s === 0) setCell(data, shape, cfg.labels[cfg.clampLabel], 2, 3);
    return torch.tensor(Float64Array.from(data), { shape });
  });
}
