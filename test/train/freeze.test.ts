// --freeze N and darknet's stopbackward: after a few optimizer steps the
// frozen layers' parameters and BatchNorm statistics are bit-identical to
// the weights the run started from, every other layer's changed; the
// optimizer holds no frozen parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, saveWeights } from '../../src/darknet/index.js';
import type { TrainHook } from '../../src/train/hooks/index.js';
import { openTraining } from '../../src/train/setup.js';
import { train } from '../../src/train/trainer.js';
import { SHAPES_CFG, tempProject } from './train_setup.js';

const layer = (name: string) => Number(/^layers\.(\d+)\./.exec(name)![1]);

test('--freeze 4: layers 0..3 bit-identical after training (BatchNorm statistics too), the rest changed; none in the optimizer', async (t) => {
  const project = tempProject(t, 'yolo-freeze-');
  const start = torch.memory().tensors;
  torch.manualSeed(11);
  const initial = Darknet.fromFile(SHAPES_CFG);
  const weights = join(project, 'start.weights');
  saveWeights(initial, weights);
  const before = new Map([...initial.stateDict()].map(([k, v]) => [k, v.toArray()]));
  initial.dispose();
  let after = new Map<string, unknown>();
  let inOptimizer: torch.Tensor[] = [], frozen: torch.Tensor[] = [], trainable: torch.Tensor[] = [], flagsRight = false;
  const look: TrainHook = {
    beforeTrain(ctx) { // the tensors are the run's: looked at while it holds them
      inOptimizer = (ctx.optimizer as unknown as { paramGroups: { params: torch.Tensor[] }[] }).paramGroups.flatMap((g) => g.params);
      for (const [name, p] of ctx.model.namedParameters()) (layer(name) < 4 ? frozen : trainable).push(p);
      flagsRight = frozen.every((p) => !p.requiresGrad) && trainable.every((p) => p.requiresGrad);
    },
    afterTrain(ctx) { after = new Map([...ctx.model.stateDict()].map(([k, v]) => [k, v.toArray()])); },
  };
  const lines: string[] = [];
  // sgd: no Adam state to hide a skipped parameter; weight decay on, which would move a frozen weight left in the optimizer
  await train({ cfg: SHAPES_CFG, data: 'shapes:8', weights, freeze: 4, optimizer: 'sgd', lr0: 0.01, peakLr: 0.01, warmupIters: 0, weightDecay: 5e-2, imgSize: 64, batchSize: 2, epochs: 1, augment: false, workers: 0, maxValSamples: 2, project, name: 'run', saveImages: 0 }, { log: (s) => lines.push(s), hooks: [look] });
  assert.ok(lines.some((l) => /^freezing layers 0\.\.3: 6 parameter tensors \([\d,]+ values\) not trained, their BatchNorm statistics kept$/.test(l)), lines.join('\n'));
  assert.equal(frozen.length, 6, 'conv weight, BN weight and BN bias of layers 0 and 2 (1 and 3 are max pools)');
  assert.ok(flagsRight, 'requires_grad false on the frozen parameters only');
  assert.equal(inOptimizer.length, trainable.length);
  assert.ok(inOptimizer.every((p) => trainable.includes(p)) && !inOptimizer.some((p) => frozen.includes(p)));
  let changed = 0;
  for (const [name, was] of before) {
    if (name.endsWith('num_batches_tracked')) continue;
    if (layer(name) < 4) assert.deepEqual(after.get(name), was, `${name} frozen`);
    else if (JSON.stringify(after.get(name)) !== JSON.stringify(was)) changed++;
    else assert.fail(`${name} did not change`);
  }
  assert.ok(changed > 20, `${changed} tensors trained`);
  assert.equal(torch.memory().tensors, start);
});

test("darknet's stopbackward=1 freezes up to its layer (said, saved); --freeze 0 trains them", async (t) => {
  const project = tempProject(t, 'yolo-stopbackward-');
  const cfg = join(project, 'stop.cfg');
  const text = readFileSync(SHAPES_CFG, 'utf8').split('\n');
  const third = text.findIndex((l, i) => l.trim() === '[convolutional]' && text.slice(0, i).filter((x) => x.trim().startsWith('[') && x.trim() !== '[net]').length === 2);
  text.splice(third + 1, 0, 'stopbackward=1'); // layer 2 (conv, max pool, conv)
  writeFileSync(cfg, text.join('\n'));
  const open = async (o: { freeze?: number }, name: string) => {
    const lines: string[] = [];
    const ctx = await openTraining({ cfg, data: 'shapes:4', imgSize: 64, batchSize: 2, augment: false, workers: 0, project, name, ...o }, (s) => lines.push(s));
    const grads = [...ctx.model.namedParameters()].map(([n, p]) => `${layer(n)}:${p.requiresGrad ? 'T' : 'F'}`);
    const saved = JSON.parse(readFileSync(join(ctx.paths.dir, 'options.json'), 'utf8')).freeze;
    await ctx.close();
    return { lines: lines.filter((l) => /stopbackward=|^freezing/.test(l)), saved, frozenLayers: [...new Set(grads.filter((g) => g.endsWith('F')).map((g) => g.split(':')[0]))] };
  };
  const fromCfg = await open({}, 'cfg');
  assert.equal(fromCfg.saved, 3);
  assert.deepEqual(fromCfg.frozenLayers, ['0', '2']);
  assert.equal(fromCfg.lines[0], `${cfg}: stopbackward=1 in layer 2 (darknet): layers 0..2 frozen; --freeze 0 trains them`);
  assert.match(fromCfg.lines[1], /^freezing layers 0\.\.2: 6 parameter tensors/);
  assert.deepEqual(await open({ freeze: 0 }, 'none'), { lines: [], saved: 0, frozenLayers: [] });
  await assert.rejects(open({ freeze: 99 }, 'big'), /freeze 99: .* has only \d+ layers/);
});
