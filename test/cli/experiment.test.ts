// `yolov3 experiment series` end to end at a tiny size (COCO128's first 4
// images, 2 epochs, 128 px): all five runs, the three figures and the
// assignment diagnostic in the report; run again it keeps the finished
// runs; `experiment report` rebuilds the same report from the run folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, sharedPath } from '../support/references.js';
import { SERIES_COMPARISONS, SERIES_RUNS } from '../../src/experiment/series_runs.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '2' } });

test('yolov3 experiment series: five runs, three figures, the diagnostic table; continues; report rebuilds the same', (t) => {
  const data = sharedPath(t, join('data', 'coco128', 'coco128.yaml'));
  if (!data) return;
  const out = mkdtempSync(join(tmpdir(), 'yolo-exp-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const args = ['experiment', 'series', '--data', data, '--images', '4', '--epochs', '2', '--img-size', '128', '--batch-size', '2', '--parallel', '2', '--out', out];
  const r = run(args);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const name of SERIES_RUNS.map((x) => x.name)) {
    const rows = readFileSync(join(out, name, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 3, `${name}: header + 2 epochs`);
    assert.ok(existsSync(join(out, name, 'diagnostics.csv')), `${name}: diagnostics.csv`);
  }
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  for (const c of SERIES_COMPARISONS.filter((x) => !x.optional)) {
    assert.ok(md.includes(`](${c.file})`), `report shows ${c.file}`);
    assert.deepEqual([...readFileSync(join(out, c.file)).subarray(1, 4)], [...Buffer.from('PNG')]);
  }
  for (const name of SERIES_RUNS.map((x) => x.name)) assert.match(md, new RegExp(`\\| ${name} \\| .* \\| 2/2 \\|`));
  assert.ok(!md.includes('fig-loss-form.png'), 'the loss-form comparison needs its extra run');
  assert.match(md, /## Assignment diagnostic: pred-iou \(compute_loss2\) vs best-iou/);
  assert.match(md, /\| epoch \| pred-iou assign_changed \|/);
  assert.match(md, /\n\| 2 \| [\d.]+ \|/); // epoch 2 has a changed fraction (epoch 1 has nothing to compare with)
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, md.match(/!\[/g)?.length);
  const again = run(args);
  assert.equal(again.status, 0, again.stderr + again.stdout);
  assert.equal(again.stdout.match(/is finished; kept/g)?.length, 5);
  const figure = readFileSync(join(out, SERIES_COMPARISONS[2].file));
  rmSync(join(out, 'report.md'));
  rmSync(join(out, SERIES_COMPARISONS[2].file));
  const rebuilt = run(['experiment', 'report', out]);
  assert.equal(rebuilt.status, 0, rebuilt.stderr + rebuilt.stdout);
  assert.equal(readFileSync(join(out, 'report.md'), 'utf8'), md);
  assert.ok(readFileSync(join(out, SERIES_COMPARISONS[2].file)).equals(figure));
});

test('yolov3 experiment: usage errors name the problem', () => {
  const bad = run(['experiment', 'series', '--model', 'nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--model must be yolov3-tiny, yolov3 or a \.cfg path, got 'nope'/);
  const report = run(['experiment', 'report', join(tmpdir(), 'no-such-experiment')]);
  assert.equal(report.status, 1);
  assert.match(report.stderr, /no experiment\.json/);
});
