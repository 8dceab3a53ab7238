// Checkpoints: an exact round trip of model, optimizer, EMA, RNG and
// generator states, and errors that name the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Conv2d, BatchNorm2d, Sequential } from '../../src/nn/index.js';
import { ModelEMA } from '../../src/train/ema.js';
import { saveTrainingState, loadTrainingState, readTrainingState, restoreTrainingState, checkpointPath, CHECKPOINT_FORMAT } from '../../src/train/training_state.js';
import type { LrScheduleSpec } from '../../src/train/lr_schedule.js';

function makeRun(seed: number) {
  torch.manualSeed(seed);
  const net = new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new BatchNorm2d(4));
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-2 });
  const ema = new ModelEMA(net, { decay: 0.9, tau: 1 });
  return { net, opt, ema };
}

function step(run: ReturnType<typeof makeRun>, x: torch.Tensor): number {
  const loss = torch.tidy(() => {
    const l = (run.net.forward(x) as torch.Tensor).sub(0.5).square().mean();
    l.backward();
    return l.item();
  });
  run.opt.step();
  run.opt.zeroGrad();
  run.ema.update(run.net);
  return loss;
}

function freeRun(run: ReturnType<typeof makeRun>): void {
  run.opt.disposeState();
  run.ema.dispose();
  run.net.dispose();
}

test('round trip: a restored run continues exactly as the saved one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const start = torch.memory().tensors;
  try {
    const x = torch.keep(torch.rand([2, 3, 6, 6]));
    const a = makeRun(0);
    const gen = new torch.Generator(7);
    for (let i = 0; i < 3; i++) step(a, x);
    const schedule: LrScheduleSpec = { kind: 'warmup-cosine', lr0: 1e-4, peakLr: 8e-4, warmupIters: 10, totalIters: 100 };
    const path = checkpointPath(dir, 'last');
    saveTrainingState(path, {
      model: a.net, optimizer: a.opt, ema: a.ema, epoch: 4, iteration: 3, schedule, options: { batchSize: 2, name: 'exp' },
      classNames: ['circle', 'square'], generators: { loader: gen }, extra: { bestMap: 0.5 }, metadata: { cfg: 'tiny.cfg' },
    });
    assert.deepEqual(readdirSync(dir), ['last.safetensors']); // no temporary left behind
    const globalDraw = torch.tidy(() => torch.rand([5]).toArray());
    const genDraw = torch.tidy(() => torch.rand([5], { generator: gen }).toArray());
    const lossesA = [step(a, x), step(a, x)];

    const b = makeRun(123); // different initial weights
    const gen2 = new torch.Generator(1);
    const info = loadTrainingState(path, { model: b.net, optimizer: b.opt, ema: b.ema, generators: { loader: gen2 } });
    assert.equal(info.epoch, 4);
    assert.equal(info.iteration, 3);
    assert.deepEqual(info.schedule, schedule);
    assert.deepEqual(info.options, { batchSize: 2, name: 'exp' });
    assert.deepEqual(info.classNames, ['circle', 'square']);
    assert.deepEqual(info.extra, { bestMap: 0.5 });
    assert.equal(b.ema.updates, 3);
    assert.deepEqual(torch.tidy(() => torch.rand([5]).toArray()), globalDraw);
    assert.deepEqual(torch.tidy(() => torch.rand([5], { generator: gen2 }).toArray()), genDraw);
    const lossesB = [step(b, x), step(b, x)];
    assert.deepEqual(lossesB, lossesA); // bit-identical: weights, BN statistics and Adam moments all restored
    for (const [k, t] of a.net.stateDict()) assert.deepEqual(b.net.stateDict().get(k)!.toArray(), t.toArray(), k);
    for (const [k, t] of a.ema.stateDict()) assert.deepEqual(b.ema.stateDict().get(k)!.toArray(), t.toArray(), `ema ${k}`);

    // the model part is plain weights under the module's own names; metadata kept
    const ck = readTrainingState(path);
    assert.deepEqual([...ck.modelState().keys()], [...a.net.stateDict().keys()]);
    assert.equal(ck.metadata.format, CHECKPOINT_FORMAT);
    assert.equal(ck.metadata.cfg, 'tiny.cfg');
    assert.ok([...ck.tensors.keys()].some((k) => k.startsWith('@optimizer.state.0.exp_avg')));
    ck.dispose();
    freeRun(a);
    freeRun(b);
    x.dispose();
    assert.equal(torch.memory().tensors, start);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated, foreign, missing and mismatched checkpoints give errors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const start = torch.memory().tensors;
  try {
    const run = makeRun(0);
    const good = join(dir, 'good.safetensors');
    saveTrainingState(good, { model: run.net, epoch: 0, iteration: 0 });
    const bytes = readFileSync(good);
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated.safetensors', bytes.subarray(0, Math.floor(bytes.length * 0.6)), /truncated/],
      ['header-cut.safetensors', bytes.subarray(0, 20), /truncated|exceeds/],
      ['empty.safetensors', new Uint8Array(0), /only 0 bytes/],
      ['text.safetensors', Buffer.from('hello, this is not a checkpoint at all\n'), /not a valid tensor file/],
    ];
    for (const [name, data, why] of cases) {
      const p = join(dir, name);
      writeFileSync(p, data);
      assert.throws(() => readTrainingState(p), (e: Error) => e.message.includes(p) && why.test(e.message), name);
    }
    const foreign = join(dir, 'weights-only.safetensors');
    torch.tidy(() => torch.io.saveTensorFile(foreign, { w: torch.ones([2]) }, { cfg: 'x' }));
    assert.throws(() => readTrainingState(foreign), (e: Error) => e.message.startsWith(foreign) && /not a yolov3-ts training checkpoint/.test(e.message));
    const missing = join(dir, 'nope.safetensors');
    assert.throws(() => readTrainingState(missing), (e: Error) => e.message.includes(missing));
    // parts not saved, or a different model
    assert.throws(() => loadTrainingState(good, { optimizer: run.opt }), (e: Error) => e.message.includes(good) && /no optimizer state/.test(e.message));
    assert.throws(() => loadTrainingState(good, { ema: run.ema, rng: false }), /no EMA/);
    const other = new Sequential(new Conv2d(3, 5, 3, { padding: 1 }), new BatchNorm2d(5));
    assert.throws(() => loadTrainingState(good, { model: other }), (e: Error) => e.message.includes(good) && /restoring the model: .*shape mismatch/.test(e.message));
    other.dispose();
    // a stale temporary of a dead writer is removed by the next save
    const stale = `${good}.tmp-999999999`;
    copyFileSync(good, stale);
    saveTrainingState(good, { model: run.net, epoch: 1, iteration: 5 });
    assert.equal(existsSync(stale), false);
    freeRun(run);
    assert.equal(torch.memory().tensors, start);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
