// Small fixed heads and labels for the loss tests: a 128x128 input with
// yolov3's anchors, heads in cfg order (stride 32, 16, 8: 4x4, 8x8, 16x16).
import * as torch from '../../src/torch/index.js';
import type { YoloScale } from '../../src/yolo/index.js';

export const SCALES: YoloScale[] = [
  { anchors: [[116, 90], [156, 198], [373, 326]], stride: 32 },
  { anchors: [[30, 61], [62, 45], [59, 119]], stride: 16 },
  { anchors: [[10, 13], [16, 30], [33, 23]], stride: 8 },
];
export const GRIDS = [4, 8, 16];
export const CLASSES = 3;
export const BATCH = 2;

/** Raw heads [B, 3, g, g, 5 + nc], modest values so exp(t) stays tame. */
export function randomHeads(seed: number): torch.Tensor[] {
  torch.manualSeed(seed);
  return GRIDS.map((g) => torch.randn([BATCH, 3, g, g, 5 + CLASSES]).mul(0.7));
}

/**
 * Labels [N, 6] with random boxes plus the awkward ones: a near-duplicate of
 * the first (same cell and anchor, so one cell is assigned twice), one on the
 * right/bottom border (x = y = 1), one tiny and one almost the whole image.
 */
export function randomLabels(seed: number, n = 10): torch.Tensor {
  torch.manualSeed(seed);
  return torch.tidy(() => {
    const b = torch.randint(0, BATCH, [n, 1]).float();
    const xy = torch.rand([n, 2]).mul(0.9).add(0.05);
    const wh = torch.rand([n, 2]).mul(0.55).add(0.03);
    const cls = torch.randint(0, CLASSES, [n, 1]).float();
    const random = torch.cat([b, xy, wh, cls], 1);
    const first = random.index(0).tolist() as number[];
    const special = torch.tensor([
      [first[0], first[1] + 0.001, first[2] - 0.001, first[3] * 1.05, first[4] * 0.97, (first[5] + 1) % CLASSES],
      [1, 1.0, 1.0, 0.1, 0.2, 2],
      [0, 0.31, 0.62, 0.02, 0.03, 1],
      [1, 0.5, 0.5, 0.98, 0.95, 0],
    ]);
    return torch.cat([random, special]);
  });
}
