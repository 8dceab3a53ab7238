// `--device cuda` training on yolov3-tiny: three steps as the trainer takes
// them (src/train/step.ts: forward in training mode with the images moved to
// the device, yoloLoss against CPU labels, backward, Adam with the trainer's
// decay groups and rate) on cuda:0 equal the same steps on the CPU to 1e-4:
// every step's loss parts, every gradient before each optimizer step, and
// the BatchNorm running statistics after the last. Both sides start from
// the same seeded random weights on the same batch. TF32 is turned off on
// the GPU (cuDNN's default is on), so both compute in float32 and differ by
// summation order alone. Skipped without CUDA (Debian's libtorch is
// CPU-only) unless YOLO_REQUIRE_CUDA=1: scripts/gpu-check.sh runs it on a
// GPU machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet } from '../../src/darknet/index.js';
import { BatchNorm2d } from '../../src/nn/index.js';
import { yoloLoss, yoloScales } from '../../src/yolo/index.js';
import { makeOptimizer } from '../../src/train/optimizer.js';
import { DEFAULT_TRAIN } from '../../src/train/options.js';
import { REPO_ROOT } from '../support/references.js';

const CFG = join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg');
const STEPS = 3;
const TOLERANCE = 1e-4;
const LOSS = { bboxLoss: DEFAULT_TRAIN.bboxLoss, objTarget: DEFAULT_TRAIN.objTarget, assign: DEFAULT_TRAIN.assign };

interface Trace { losses: number[][]; grads: Float32Array[][]; buffers: Float32Array[] }

// as float32 on the host (BatchNorm's num_batches_tracked is int64)
const host = (t: torch.Tensor) => torch.tidy(() => t.detach().to({ device: 'cpu', dtype: 'float32' }).reshape([-1]).dataSync() as Float32Array);

/** A batch of 2 images at 128 px with 4 boxes each: rows (image, x, y, w, h, class), as bench/train.ts writes them. */
function batch(): { images: torch.Tensor; labels: torch.Tensor } {
  const g = new torch.Generator(5);
  const images = torch.rand([2, 3, 128, 128], { generator: g });
  const r = torch.tidy(() => torch.rand([8, 5], { generator: g }).toArray());
  const rows = new Float32Array(8 * 6);
  for (let n = 0; n < 8; n++) {
    const [x, y, w, h, c] = r.slice(n * 5, n * 5 + 5);
    rows.set([Math.floor(n / 4), 0.1 + 0.8 * x, 0.1 + 0.8 * y, 0.05 + 0.4 * w, 0.05 + 0.4 * h, Math.floor(c * 80)], n * 6);
  }
  return { images, labels: torch.tensor(rows, { shape: [8, 6] }) };
}

function trainOn(device: torch.Device, images: torch.Tensor, labels: torch.Tensor): Trace {
  torch.manualSeed(11); // the same random weights on both sides: built on the CPU, then moved
  const model = Darknet.fromFile(CFG);
  for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) (m as { momentum: number }).momentum = DEFAULT_TRAIN.bnMomentum;
  model.to(device).train();
  const scales = yoloScales(model.heads, model.strides(128, 128));
  const optimizer = makeOptimizer(model, { kind: 'adam', lr: DEFAULT_TRAIN.peakLr, weightDecay: DEFAULT_TRAIN.weightDecay });
  const trace: Trace = { losses: [], grads: [], buffers: [] };
  try {
    for (let step = 0; step < STEPS; step++) {
      trace.losses.push(torch.tidy(() => {
        const r = yoloLoss(model.forwardHeads(device === 'cpu' ? images : images.to(device)), labels, scales, LOSS);
        r.total.backward();
        return [r.box.item(), r.obj.item(), r.cls.item(), r.total.item()];
      }));
      trace.grads.push(torch.tidy(() => model.parameters().map((p) => host(p.grad!)))); // p.grad is a new handle: inside the scope
      torch.tidy(() => optimizer.step());
      optimizer.zeroGrad();
    }
    trace.buffers = model.namedBuffers().map(([, t]) => host(t));
  } finally {
    optimizer.disposeState();
    model.dispose();
  }
  return trace;
}

/** Largest |a - b| over the tensor, relative to the CPU tensor's largest magnitude (at least 1e-12). */
function relativeError(gpu: Float32Array, cpu: Float32Array): number {
  let diff = 0, scale = 1e-12;
  for (let i = 0; i < cpu.length; i++) {
    diff = Math.max(diff, Math.abs(gpu[i] - cpu[i]));
    scale = Math.max(scale, Math.abs(cpu[i]));
  }
  return diff / scale;
}

test('yolov3-tiny training steps on cuda:0 equal the CPU steps to 1e-4', { skip: !torch.cuda.isAvailable() && process.env.YOLO_REQUIRE_CUDA !== '1' && 'no CUDA device (a CPU-only libtorch)' }, () => {
  const start = torch.memory().tensors;
  torch.cuda.setAllowTF32(false);
  const { images, labels } = batch();
  try {
    const cpu = trainOn('cpu', images, labels);
    const gpu = trainOn('cuda:0', images, labels);
    // the steps move the loss by more than the tolerance: a GPU optimizer step that did nothing would show
    assert.ok(Math.abs(cpu.losses[STEPS - 1][3] - cpu.losses[0][3]) > 10 * TOLERANCE * Math.abs(cpu.losses[0][3]), `loss ${cpu.losses.map((l) => l[3])}`);
    cpu.losses.forEach((parts, step) => parts.forEach((v, k) => {
      assert.ok(Math.abs(gpu.losses[step][k] - v) <= TOLERANCE * Math.max(1, Math.abs(v)), `step ${step} loss part ${k}: cuda ${gpu.losses[step][k]} cpu ${v}`);
    }));
    cpu.grads.forEach((grads, step) => grads.forEach((g, i) => {
      const e = relativeError(gpu.grads[step][i], g);
      assert.ok(e <= TOLERANCE, `step ${step} parameter ${i}: gradient off by ${e} of its largest`);
    }));
    cpu.buffers.forEach((b, i) => {
      const e = relativeError(gpu.buffers[i], b);
      assert.ok(e <= TOLERANCE, `buffer ${i}: off by ${e} of its largest`);
    });
  } finally {
    torch.dispose([images, labels]);
    torch.cuda.setAllowTF32(true);
  }
  assert.equal(torch.memory().tensors, start);
});
