// NMS benchmark at the evaluation setting: one 416x416 image's 10,647 boxes
// x 80 classes, conf 0.001, through nonMaxSuppression, against the same
// pipeline in PyTorch + torchvision (bench/reference/nms.py) in the same run.
// Also estimates one YOLOv3-416 forward (65.9 GFLOP, darknet's count) from
// measured 3x3 conv throughput, since "well under one forward" is the bar.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as torch from '../src/torch/index.js';
import { nonMaxSuppression } from '../src/boxes/index.js';
import { REPO_ROOT, medianSeconds, PYTHON } from './timing.js';

const SIZE = 416;
const CLASSES = 80;
const CONF = 0.001;
const IOU = 0.6;
const MAX_DET = 300;
const REPEATS = 10;
const YOLOV3_416_GFLOP = 65.864;
// Darknet's yolov3 anchors per scale (stride 32, 16, 8).
const ANCHORS: [number, number][][] = [[[116, 90], [156, 198], [373, 326]], [[30, 61], [62, 45], [59, 119]], [[10, 13], [16, 30], [33, 23]]];

/**
 * Decoded predictions [1, 10647, 85] shaped like a trained YOLOv3's: boxes
 * from the grid and anchors; objectness mostly tiny (logit ~ N(-9, 2)) with
 * about 20 objects whose nearby cells are confident, one class each
 * (class logits ~ N(-7, 2) elsewhere).
 */
export function yoloLikePredictions(seed = 0): torch.Tensor {
  torch.manualSeed(seed);
  return torch.tidy(() => {
    const scales = [32, 16, 8].map((stride, s) => {
      const g = SIZE / stride;
      const n = g * g * 3;
      const cell = torch.arange(0, g * g).repeat([3]); // anchor-major, as the head's [na, h, w] flattening
      const gx = cell.remainder(g).float(), gy = cell.div(g, 'floor').float();
      const anchor = torch.tensor(ANCHORS[s].flatMap(([w, h]) => Array.from({ length: g * g }, () => [w, h])));
      const xy = torch.stack([gx, gy], 1).add(torch.rand([n, 2])).mul(stride);
      const wh = anchor.mul(torch.randn([n, 2]).mul(0.4).exp());
      return torch.cat([xy, wh], 1);
    });
    const boxes = torch.cat(scales, 0);
    const n = boxes.shape[0];
    const objLogit = torch.randn([n]).mul(2).sub(9);
    const clsLogit = torch.randn([n, CLASSES]).mul(2).sub(7);
    // Objects: a random box index and the ~30 indices around it in the flat order get high scores.
    const centres = torch.randint(0, n - 40, [20]).toArray();
    const classes = torch.randint(0, CLASSES, [20]).toArray();
    for (const [i, c] of centres.entries()) {
      const k = classes[i];
      objLogit.slice(0, c, c + 30).copy_(torch.randn([30]).add(1));
      clsLogit.slice(0, c, c + 30).select(1, k).fill_(3);
    }
    return torch.cat([boxes, objLogit.sigmoid().unsqueeze(1), clsLogit.sigmoid()], 1).unsqueeze(0);
  });
}

function forwardEstimateMs(): { convGflops: number; forwardMs: number } {
  const [cin, cout, hw] = [256, 512, 26];
  const seconds = torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([1, cin, hw, hw]);
    const w = torch.randn([cout, cin, 3, 3]).mul(0.01);
    return medianSeconds(() => torch.F.conv2d(x, w, null, { padding: 1 }).dispose(), 5);
  }));
  const gflops = (2 * cin * cout * 9 * hw * hw) / seconds / 1e9;
  return { convGflops: gflops, forwardMs: (YOLOV3_416_GFLOP / gflops) * 1000 };
}

export async function benchNms(): Promise<object> {
  const start = torch.memory().tensors;
  const pred = yoloLikePredictions(0);
  const numBoxes = pred.shape[1];
  const modes = [{ name: 'multiLabel', multiLabel: true }, { name: 'bestClass', multiLabel: false }];
  const stats = torch.tidy(() => {
    const obj = pred.select(2, 4);
    const scores = pred.slice(2, 5).mul(pred.slice(2, 4, 5));
    return { boxesAboveConf: obj.gt(CONF).sum().item(), pairsAboveConf: scores.gt(CONF).sum().item() };
  });
  const ours: Record<string, { ms: number; detections: number }> = {};
  for (const m of modes) {
    const run = () => nonMaxSuppression(pred, { confThreshold: CONF, iouThreshold: IOU, multiLabel: m.multiLabel, maxDetections: MAX_DET });
    const out = run();
    ours[m.name] = { ms: medianSeconds(() => torch.dispose(run()), REPEATS) * 1000, detections: out[0].shape[0] };
    torch.dispose(out);
  }
  let reference: Record<string, { seconds: number; detections: number }> | null = null;
  let referenceError: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-nms-'));
  try {
    const file = join(dir, 'pred.f32');
    writeFileSync(file, pred.dataSync() as Float32Array);
    const spec = { threads: torch.getNumThreads(), file, shape: pred.shape, conf: CONF, iou: IOU, maxDet: MAX_DET, repeats: REPEATS, modes };
    const r = spawnSync(PYTHON, [join(REPO_ROOT, 'bench', 'reference', 'nms.py'), JSON.stringify(spec)], { encoding: 'utf8' });
    if (r.status === 0) reference = JSON.parse(r.stdout.trim().split('\n').pop()!);
    else referenceError = `torchvision reference failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  pred.dispose();
  const forward = forwardEstimateMs();
  const result = {
    input: { boxes: numBoxes, classes: CLASSES, conf: CONF, iou: IOU, maxDetections: MAX_DET, ...stats },
    cases: modes.map((m) => ({
      case: m.name,
      oursMs: ours[m.name].ms,
      torchvisionMs: reference ? reference[m.name].seconds * 1000 : null,
      oursOverTorchvision: reference ? ours[m.name].ms / (reference[m.name].seconds * 1000) : null,
      detections: ours[m.name].detections,
      torchvisionDetections: reference ? reference[m.name].detections : null,
      fractionOfForward: ours[m.name].ms / forward.forwardMs,
    })),
    forwardEstimate: { yolov3_416_gflop: YOLOV3_416_GFLOP, convGflops: forward.convGflops, forwardMs: forward.forwardMs },
    ...(referenceError ? { referenceError } : {}),
    leakedTensors: torch.memory().tensors - start,
  };
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchNms();
  console.log(JSON.stringify(r, null, 2));
}
