// Shared by the parity tests: random weights in darknet's layout, a real
// image as the input tensor, and runners for the C darknet (libdarknet.so
// through a small C program compiled here) and OpenCV's darknet importer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { Darknet } from '../../src/darknet/index.js';
import { runPython, hasPython } from '../support/references.js';
import { compileDarknetProgram } from '../support/c_program.js';


const RUNNER_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include "darknet.h"
/* run cfg weights input.bin outprefix [layer...]: writes outprefix<i>.bin for the
   given layers (default: each [yolo] layer and the last layer) */
int main(int argc, char **argv) {
  if (argc < 5) return 2;
  network *net = load_network(argv[1], argv[2], 0);
  set_batch_network(net, 1);
  size_t n = (size_t)net->w * net->h * net->c;
  float *in = malloc(n * sizeof(float));
  FILE *f = fopen(argv[3], "rb");
  if (!f || fread(in, sizeof(float), n, f) != n) { fprintf(stderr, "bad input\n"); return 3; }
  fclose(f);
  network_predict(net, in);
  for (int i = 0; i < net->n; i++) {
    layer l = net->layers[i];
    int want = argc == 5 ? (l.type == YOLO || i == net->n - 1) : 0;
    for (int a = 5; a < argc; a++) if (atoi(argv[a]) == i) want = 1;
    if (!want) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s%d.bin", argv[4], i);
    FILE *o = fopen(path, "wb");
    fwrite(l.output, sizeof(float), l.outputs, o);
    fclose(o);
  }
  return 0;
}
`;

export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'yolov3-darknet-'));
}

/** Path of the compiled runner (once per process), or null after skipping when darknet is absent. */
export function darknetRunner(t: TestContext): string | null {
  return compileDarknetProgram(t, 'run_layers', RUNNER_C);
}

/** Runs the C darknet; returns the outputs of the given layers as float arrays. */
export function runDarknet(exe: string, cfg: string, weights: string, input: string, layers: number[]): Map<number, Float32Array> {
  const prefix = join(tmpDir(), 'out');
  const r = spawnSync(exe, [cfg, weights, input, prefix, ...layers.map(String)], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '2' } });
  if (r.status !== 0) throw new Error(`darknet failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return new Map(layers.map((l) => [l, readFloats(`${prefix}${l}.bin`)]));
}

/**
 * OpenCV's cv2.dnn.readNetFromDarknet on the same input. Its [yolo] layer
 * outputs decoded, thresholded boxes, so we take the head's input (the
 * 'permute_<l>' layer, NHWC) and apply darknet's [yolo] activations (sigmoid
 * on x, y, objectness, classes) in numpy: the same layout as darknet's output.
 */
export function runOpenCV(t: TestContext, cfg: string, weights: string, input: string, shape: number[], heads: { layer: number; na: number }[]): Map<number, Float32Array> | null {
  if (!hasPython(t, 'cv2', 'numpy')) return null;
  const dir = tmpDir();
  const script = `
import sys, json, numpy as np, cv2
a = json.load(sys.stdin)
net = cv2.dnn.readNetFromDarknet(a['cfg'], a['weights'])
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setInput(np.fromfile(a['input'], dtype=np.float32).reshape(a['shape']))
outs = net.forward(['permute_%d' % h['layer'] for h in a['heads']])
for h, o in zip(a['heads'], outs):
    x = o.transpose(0, 3, 1, 2).astype(np.float32)
    b, c, hh, ww = x.shape
    x = x.reshape(b, h['na'], c // h['na'], hh, ww).copy()
    s = lambda v: 1 / (1 + np.exp(-v))
    x[:, :, 0:2] = s(x[:, :, 0:2])
    x[:, :, 4:] = s(x[:, :, 4:])
    np.ascontiguousarray(x, dtype=np.float32).tofile('%s/cv%d.bin' % (a['dir'], h['layer']))
print(json.dumps(True))
`;
  runPython(script, { cfg, weights, input, shape, heads, dir });
  return new Map(heads.map((h) => [h.layer, readFloats(join(dir, `cv${h.layer}.bin`))]));
}

export function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** An image from ../shared resized (stretched) to width x height, as [1, 3, h, w] RGB floats in 0..1, saved to a .bin. */
export async function imageInput(image: string, width: number, height: number): Promise<{ path: string; data: Float32Array }> {
  const { data } = await sharp(image).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) out[c * width * height + i] = data[i * 3 + c] / 255;
  const path = join(tmpDir(), 'input.bin');
  writeFileSync(path, out);
  return { path, data: out };
}

/**
 * Random weights in darknet's layout that keep activations finite: kernels
 * N(0, (gain^2)/fan_in), conv biases and batch-norm beta and mean in
 * [-0.1, 0.1], gamma in [0.5, 1.5], and running variances in [0.2, 0.3]:
 * near 0.25, where darknet's x/(sqrt(v)+1e-6) and OpenCV's x/sqrt(v+1e-6)
 * agree (sqrt(v) = 0.5), so the two references can be held to one tolerance.
 */
export function randomizeWeights(model: Darknet, seed: number, gain = Number(process.env.DK_GAIN ?? 0.5)): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const b of model.blocks) {
      if (!b) continue;
      const w = b.conv.weight;
      w.normal_(0, gain / Math.sqrt(w.shape[1] * w.shape[2] * w.shape[3]));
      b.conv.bias?.uniform_(-0.1, 0.1);
      if (!b.bn) continue;
      b.bn.weight.uniform_(0.5, 1.5);
      b.bn.bias.uniform_(-0.1, 0.1);
      b.bn.runningMean.uniform_(-0.1, 0.1);
      b.bn.runningVar.uniform_(0.2, 0.3);
    }
  });
}

/**
 * yolov3-tiny (or any 80-class cfg) with random darknet-layout weights and
 * raised objectness and two class biases ("dog", "truck"): hundreds of
 * boxes compete in NMS.
 */
export function busyTiny(cfg: string): Darknet {
  const model = Darknet.fromFile(cfg);
  randomizeWeights(model, 11);
  const nc = model.heads[0].classes;
  torch.noGrad(() => {
    for (const head of model.heads) {
      const bias = model.blocks[head.layer - 1]!.conv.bias!;
      for (let a = 0; a < head.mask.length; a++) {
        const base = a * (5 + nc);
        torch.tidy(() => bias.index({ start: base + 4, end: base + 5 }).add_(1));
        torch.tidy(() => bias.index({ start: base + 5 + 16, end: base + 5 + 17 }).add_(2));
        torch.tidy(() => bias.index({ start: base + 5 + 7, end: base + 5 + 8 }).add_(1.5));
      }
    }
  });
  return model;
}

/** The cfg text with [net] width/height set and batch=1 (darknet allocates batch copies). */
export function cfgAtSize(text: string, width: number, height: number): string {
  const lines = text.split(/\r?\n/);
  const netEnd = lines.findIndex((l, i) => i > 0 && l.trim().startsWith('['));
  const head = lines.slice(0, netEnd).filter((l) => !/^\s*(width|height|batch|subdivisions)\s*=/.test(l));
  return [...head, `width=${width}`, `height=${height}`, 'batch=1', 'subdivisions=1', '', ...lines.slice(netEnd)].join('\n');
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
