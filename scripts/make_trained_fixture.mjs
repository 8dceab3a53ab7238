#!/usr/bin/env node
// Regenerates test/detect/fixtures/shapes-tiny-trained.weights: the small
// Shapes model (test/detect/fixtures/shapes-tiny.cfg, a copy of
// cfg/shapes-tiny.cfg kept beside its weights) trained briefly with our own
// trainer on generated Shapes (seed 0), plus shapes.names. The detection
// parity test (test/detect/trained_parity.test.ts) runs it in ours, in C
// darknet and in OpenCV DNN. Needs the build (`npx tsc -p tsconfig.json`);
// takes a few minutes on 2 cores. Training is not bit-reproducible across
// machines/thread counts, so a regenerated file differs in its bytes, not in
// what the test checks.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'detect', 'fixtures');
const cfg = join(fixtures, 'shapes-tiny.cfg');
const project = mkdtempSync(join(tmpdir(), 'yolov3-fixture-'));
const args = [
  join(root, 'dist', 'src', 'cli', 'main.js'), 'train',
  '--cfg', cfg, '--data', 'shapes:480', '--img-size', '256', '--epochs', '6', '--batch-size', '16',
  '--no-augment', '--optimizer', 'adam', '--lr0', '1e-4', '--peak-lr', '2e-3', '--warmup-iters', '40',
  '--bbox-loss', 'ciou', '--obj-target', 'iou', '--assign', 'ratio',
  '--eval-interval', '6', '--max-val-samples', '100', '--save-images', '0', '--seed', '0',
  '--project', project, '--name', 'fixture',
];
console.log(`node ${args.map((a) => a.replace(root + '/', '')).join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
if (r.status !== 0) process.exit(r.status ?? 1);
const out = join(fixtures, 'shapes-tiny-trained.weights');
copyFileSync(join(project, 'fixture', 'weights', 'last.weights'), out);
writeFileSync(join(fixtures, 'shapes.names'), 'circle\nsquare\ntriangle\n'); // SHAPE_NAMES in src/data/shapes.ts
rmSync(project, { recursive: true, force: true });
console.log(`wrote ${out} (${statSync(out).size} bytes)`);
