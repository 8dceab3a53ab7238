// A cfg for other classes than the data's: the heads are rebuilt (classes=
// and the filters= of the conv before each [yolo], checked by hand), said,
// saved in the run folder and named by the checkpoints; pretrained weights
// fill every layer that still fits. And the training set's problems (an
// unreadable image) are printed once at the start, as `data check` prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, loadCheckpoint, parseCfg, readCfg, saveWeights } from '../../src/darknet/index.js';
import { newImage, writePng } from '../../src/data/index.js';
import { cfgWithClasses, loadFittingWeights } from '../../src/train/adapt_classes.js';
import { openTraining } from '../../src/train/setup.js';
import { train } from '../../src/train/trainer.js';
import { checkpointPath } from '../../src/train/training_state.js';
import { REPO_ROOT } from '../support/references.js';
import { SHAPES_CFG, tempProject } from './train_setup.js';

const TINY = join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg'); // 80 classes, two heads of 3 anchors

test('cfgWithClasses: classes= of each [yolo], filters= = (classes + 5) x anchors of the conv before it; nothing else', () => {
  const given = readFileSync(TINY, 'utf8');
  const cfg = readCfg(TINY);
  const text = cfgWithClasses(given, cfg, 20);
  const out = parseCfg(text, { file: 'adapted.cfg' });
  assert.equal(out.layers.length, cfg.layers.length);
  let heads = 0;
  out.layers.forEach((l, i) => {
    const before = cfg.layers[i];
    const feedsHead = out.layers[i + 1]?.type === 'yolo';
    if (l.type === 'yolo') { heads++; assert.equal(l.classes, 20); assert.deepEqual({ ...l, classes: 0, where: null }, { ...before, classes: 0, where: null }); }
    else if (feedsHead && l.type === 'convolutional') assert.equal(l.filters, 75); // (20 + 5) * 3
    else assert.deepEqual({ ...l, where: null }, { ...before, where: null }, `layer ${i} changed`);
  });
  assert.equal(heads, 2);
  assert.equal(text.split('\n').length, given.split('\n').length, 'lines replaced in place');
  assert.deepEqual(out.net, { ...cfg.net, where: out.net.where });
  // an option the section lacks is added to it
  const bareText = '[net]\nwidth=64\nheight=64\nchannels=3\n[convolutional]\nfilters=25\nsize=1\nactivation=linear\n[yolo]\nmask=0\nanchors=10,10\n'; // darknet's default classes=20
  const grown = parseCfg(cfgWithClasses(bareText, parseCfg(bareText, { file: 'bare.cfg' }), 2), { file: 'b.cfg' });
  assert.deepEqual(grown.layers.map((l) => (l.type === 'yolo' ? l.classes : l.type === 'convolutional' ? l.filters : -1)), [7, 2]);
});

test('train with an 80-class cfg on 3-class data: heads rebuilt and saved, weights loaded where they fit, checkpoints name the cfg', async (t) => {
  const project = tempProject(t, 'yolo-adapt-');
  const start = torch.memory().tensors;
  torch.manualSeed(3);
  const pretrained = Darknet.fromFile(TINY);
  const weights = join(project, 'pretrained.weights');
  saveWeights(pretrained, weights);
  const lines: string[] = [];
  const r = await train({ cfg: TINY, data: 'shapes:4', weights, imgSize: 64, batchSize: 4, epochs: 1, augment: false, workers: 0, project, name: 'run', saveImages: 0 }, { log: (s) => lines.push(s) });
  const adapted = join(r.paths.dir, 'yolov3-tiny.cfg');
  assert.ok(lines.includes(`overriding classes=80 with 3 from shapes:4: heads rebuilt; the adapted cfg is ${adapted} (use it with detect, val and export)`), lines.join('\n'));
  assert.ok(lines.some((l) => l === `${weights}: loaded into every layer that still fits; layers 15, 22 (the rebuilt heads) start fresh`), lines.join('\n'));
  assert.ok(existsSync(adapted));
  const model = Darknet.fromFile(adapted);
  assert.deepEqual(model.heads.map((h) => h.classes), [3, 3]);
  assert.equal(JSON.parse(readFileSync(join(r.paths.dir, 'options.json'), 'utf8')).cfg, adapted, 'a resume builds the adapted cfg');
  const meta = loadCheckpoint(model, checkpointPath(r.paths.weights, 'last')); // strict: every name and shape of the adapted cfg
  assert.equal((JSON.parse(meta.train) as { options: { cfg: string } }).options.cfg, adapted);
  // before training moved them: the rebuilt model started from the pretrained tensors wherever they fit
  const fresh = Darknet.fromFile(adapted);
  const left = loadFittingWeights(fresh, TINY, weights);
  assert.deepEqual([...new Set(left.map((k) => k.split('.')[1]))], ['15', '22']);
  const mine = fresh.stateDict(), theirs = pretrained.stateDict();
  for (const name of ['layers.0.conv.weight', 'layers.13.bn.running_var', 'layers.21.conv.weight']) {
    assert.deepEqual(mine.get(name)!.toArray(), theirs.get(name)!.toArray(), name);
  }
  assert.deepEqual(mine.get('layers.15.conv.weight')!.shape, [24, 512, 1, 1]); // (3 + 5) * 3 filters
  for (const m of [model, fresh, pretrained]) m.dispose();
  assert.equal(torch.memory().tensors, start);
});

test("the training set's problems are printed once at the start, as data check prints them", async (t) => {
  const project = tempProject(t, 'yolo-problems-');
  const dir = join(project, 'data', 'images');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(project, 'data', 'labels'));
  for (const name of ['a', 'b']) {
    await writePng(newImage(64, 64, 90), join(dir, `${name}.png`));
    writeFileSync(join(project, 'data', 'labels', `${name}.txt`), '0 0.5 0.5 0.5 0.5\n');
  }
  writeFileSync(join(dir, 'broken.jpg'), Buffer.from('not a jpeg'));
  const yaml = join(project, 'data', 'd.yaml');
  writeFileSync(yaml, 'path: .\ntrain: images\nval: images\nnames: [circle, square, triangle]\n');
  const lines: string[] = [];
  const ctx = await openTraining({ cfg: SHAPES_CFG, data: yaml, imgSize: 64, batchSize: 2, augment: false, workers: 0, project, name: 'run' }, (s) => lines.push(s));
  await ctx.close();
  const at = lines.findIndex((l) => l.startsWith(`${yaml}: problems 1 (1 corrupt-image)`));
  assert.ok(at >= 0, lines.join('\n'));
  assert.match(lines[at + 1], /^ {2}.*broken\.jpg: cannot read image: .*; skipped \[corrupt-image\]$/);
  assert.equal(lines.filter((l) => l.includes('broken.jpg')).length, 1);
  assert.ok(!lines.some((l) => l.startsWith('overriding')), 'names fit the cfg: nothing rebuilt');
});
