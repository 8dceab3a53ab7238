// results.csv per epoch (append, resume, read back) and the curves PNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ResultsCsv, readResultsCsv, RESULTS_COLUMNS, type ResultsRow } from '../../src/train/results_csv.js';
import { curvesSvg, saveCurvesPng, niceTicks } from '../../src/train/curves.js';

function fakeEpoch(e: number): ResultsRow {
  const bbox = 2 * Math.exp(-e / 6) + 0.1;
  const obj = 1.5 * Math.exp(-e / 4) + 0.2;
  const cls = 0.8 * Math.exp(-e / 3) + 0.05;
  return {
    epoch: e, iteration: (e + 1) * 25, train_bbox: bbox, train_obj: obj, train_cls: cls, train_loss: bbox + obj + cls, lr: 1e-4 + e * 1e-5,
    ...(e % 2 === 1 ? { map50: 0.9 * (1 - Math.exp(-e / 5)), map: 0.6 * (1 - Math.exp(-e / 6)) } : {}), // evaluated every 2 epochs
    time_s: 12.5 * (e + 1),
  };
}

test('results.csv: header, one row per epoch, empty cells for skipped evaluations, resume drops later rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'results-'));
  try {
    const path = join(dir, 'results.csv');
    const csv = new ResultsCsv(path);
    for (let e = 0; e < 6; e++) csv.append(fakeEpoch(e));
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal(lines[0], RESULTS_COLUMNS.join(','));
    assert.equal(lines.length, 7);
    assert.equal(lines[1], '0,25,2.1,1.7,0.85,4.65,0.0001,,,12.5');
    const { rows } = readResultsCsv(path);
    assert.equal(rows[3].epoch, 3);
    assert.ok(Math.abs(rows[3].map50! - 0.9 * (1 - Math.exp(-3 / 5))) < 1e-6);
    assert.equal(rows[2].map50, undefined);
    // resume from the checkpoint of epoch 3: epochs 4 and 5 are rewritten by the resumed run
    const resumed = new ResultsCsv(path, RESULTS_COLUMNS, { resumeAfterEpoch: 3 });
    assert.deepEqual(readResultsCsv(path).rows.map((r) => r.epoch), [0, 1, 2, 3]);
    resumed.append(fakeEpoch(4));
    assert.deepEqual(readResultsCsv(path).rows.map((r) => r.epoch), [0, 1, 2, 3, 4]);
    assert.throws(() => resumed.append({ epoch: 5, bogus: 1 }), /unknown column\(s\) bogus/);
    assert.throws(() => new ResultsCsv(path, ['epoch', 'loss']), (e: Error) => e.message.startsWith(path) && /differ/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('curves PNG: two panels with lines, readable size', async () => {
  assert.deepEqual(niceTicks(0, 4.9), [0, 1, 2, 3, 4]);
  assert.deepEqual(niceTicks(0, 0.63), [0, 0.2, 0.4, 0.6]);
  const dir = mkdtempSync(join(tmpdir(), 'curves-'));
  try {
    const rows = Array.from({ length: 30 }, (_, e) => fakeEpoch(e));
    const svg = curvesSvg(rows);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 4 + 2); // mAP lines join the epochs that were evaluated
    assert.match(svg, /Training loss/);
    const png = join(dir, 'results.png');
    await saveCurvesPng(rows, png);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 1200);
    assert.equal(meta.height, 420);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let blue = 0;
    let red = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i] < 60 && data[i + 1] > 100 && data[i + 1] < 140 && data[i + 2] > 160) blue++;
      if (data[i] > 190 && data[i + 1] < 60 && data[i + 2] < 60) red++;
    }
    assert.ok(blue > 500 && red > 500, `line pixels: blue ${blue}, red ${red}`);
    if (process.env.YOLO_KEEP_CURVES) copyFileSync(png, process.env.YOLO_KEEP_CURVES);
    // no data at all still draws (empty panels)
    await saveCurvesPng([], join(dir, 'empty.png'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
