// `yolov3 train` end to end on a tiny Shapes set, its resume, and the
// default command's help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';
import { ASSIGN_RULES, LOSS_FORMS } from '../../src/yolo/index.js';
import * as torch from '../../src/torch/index.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '2' } });

test('yolov3 train runs, evaluates, writes a run folder; --resume continues it; yolov3 val reads its checkpoint', (t) => {
  const project = mkdtempSync(join(tmpdir(), 'yolo-cli-train-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  const common = ['--cfg', CFG, '--data', 'shapes:8', '--img-size', '64', '--batch-size', '4', '--no-augment', '--project', project, '--name', 'run', '--save-images', '1'];
  const r = run(['train', ...common, '--epochs', '1']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /epoch 1\/1: loss [\d.]+ .* mAP@0\.5 [\d.]+ mAP@0\.5:0\.95 [\d.]+/);
  assert.match(r.stdout, /done: 1 epochs, 2 iterations/);
  const last = join(project, 'run', 'weights', 'last.safetensors');
  assert.ok(existsSync(last));
  assert.ok(existsSync(join(project, 'run', 'results.csv')));
  const metrics = join(project, 'metrics.json'), dets = join(project, 'dets.json');
  const v = run(['val', '--cfg', CFG, '--weights', last, '--data', 'shapes:4', '--img-size', '64', '--metrics-json', metrics, '--save-json', dets]);
  assert.equal(v.status, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = [\d.-]+/);
  assert.match(v.stdout, /circle +[\d.-]+/);
  const m = JSON.parse(readFileSync(metrics, 'utf8'));
  assert.deepEqual(Object.keys(m), ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'mAP50_voc']);
  assert.ok(Array.isArray(JSON.parse(readFileSync(dets, 'utf8'))));
  const again = run(['train', '--resume', last, '--epochs', '2']);
  assert.equal(again.status, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /resuming .* at epoch 2\/2 \(iteration 2\)/);
  assert.match(again.stdout, /done: 2 epochs, 4 iterations/);
});

test('yolov3 train: usage errors and help', () => {
  const missing = run(['train', '--epochs', '1']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--cfg and --data are required/);
  const help = run(['train', '--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--bbox-loss', '--obj-target', '--assign', '--preset', '--resume', '--eval-interval', '--peak-lr', '--loss-form', '--sync-bn']) assert.ok(help.stdout.includes(flag), flag);
  // choices come from the lists themselves
  assert.ok(help.stdout.includes(`--loss-form ${LOSS_FORMS.join('|')}`) && LOSS_FORMS.includes('series'));
  assert.ok(help.stdout.includes(`--assign ${ASSIGN_RULES.join('|')}`) && ASSIGN_RULES.includes('pred-iou'));
  const series = run(['train', '--cfg', CFG, '--data', 'shapes:4', '--loss-form', 'series']);
  assert.notEqual(series.status, 0); // the default box loss, ciou, is not one of the series'
  assert.match(series.stderr, /lossForm 'series' takes bboxLoss 'mse' or 'iou'/);
  // as PyTorch's SyncBatchNorm without a process group: refused (a world of one, --nproc 1, is plain BatchNorm)
  const syncBn = run(['train', '--cfg', CFG, '--data', 'shapes:4', '--sync-bn']);
  assert.equal(syncBn.status, 2);
  assert.match(syncBn.stderr, /--sync-bn computes BatchNorm statistics over the ranks of data-parallel training: give --nproc N/);
  const main = run(['--help']);
  assert.match(main.stdout, /With no command, runs 'shapes'/);
  assert.match(run(['shapes', '--help']).stdout, /the default command/);
});

test('yolov3 train --multi-scale and --freeze: read, said, recorded in options.json; their usage errors', (t) => {
  const project = mkdtempSync(join(tmpdir(), 'yolo-cli-train-options-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  const r = run(['train', '--cfg', CFG, '--data', 'shapes:4', '--img-size', '64', '--batch-size', '2', '--epochs', '1', '--no-augment', '--max-val-samples', '2', '--multi-scale', '--freeze', '2', '--project', project, '--name', 'run']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^multi-scale training: each batch at 32\.\.96 px \(multiples of 32\), a new size every batch$/m);
  assert.match(r.stdout, /^freezing layers 0\.\.1: 3 parameter tensors/m);
  const o = JSON.parse(readFileSync(join(project, 'run', 'options.json'), 'utf8'));
  assert.deepEqual([o.multiScale, o.freeze], [true, 2]);
  const range = run(['train', '--cfg', CFG, '--data', 'shapes:4', '--multi-scale', '96,32']);
  assert.equal(range.status, 2);
  assert.match(range.stderr, /^yolov3 train: --multi-scale expects on, off or MIN,MAX in pixels with MIN <= MAX, got '96,32'$/m);
  const freeze = run(['train', '--cfg', CFG, '--data', 'shapes:4', '--freeze', '-1']);
  assert.equal(freeze.status, 2);
  assert.match(freeze.stderr, /^yolov3 train: --freeze expects an integer >= 0, got '-1'$/m);
  const help = run(['train', '--help']).stdout;
  assert.match(help, /^ {2}--multi-scale \[X\] +each batch at a size drawn from MIN,MAX px/m);
  assert.match(help, /^ {2}--freeze N +freeze layers 0\.\.N-1/m);
});

test('yolov3 train --nproc 2 --device cuda where the build has no NCCL or CUDA: the reason before any worker starts', { skip: torch.cuda.isAvailable() && 'this machine has CUDA' }, () => {
  const base = ['train', '--cfg', CFG, '--data', 'shapes:4', '--img-size', '64', '--nproc', '2', '--project', join(tmpdir(), 'yolo-never-written')];
  const nccl = run([...base, '--device', 'cuda']); // nccl is the default backend on CUDA
  assert.equal(nccl.status, 1);
  assert.match(nccl.stderr, /^yolov3: this build has no NCCL: build the addon against a CUDA libtorch with LIBTORCH=/m);
  assert.doesNotMatch(nccl.stderr, /launched/);
  const gloo = run([...base, '--device', 'cuda', '--backend', 'gloo']);
  assert.equal(gloo.status, 1);
  assert.match(gloo.stderr, /device 'cuda': CUDA is not available in this libtorch build/);
  const cpu = run([...base, '--backend', 'nccl']);
  assert.equal(cpu.status, 1);
  assert.match(cpu.stderr, /--backend nccl reduces CUDA tensors: give --device cuda/);
  assert.ok(!existsSync(join(tmpdir(), 'yolo-never-written')));
  assert.ok(run(['train', '--help']).stdout.includes('--backend gloo|nccl'));
});
