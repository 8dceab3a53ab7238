import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCfg, parseCfg } from '../../src/darknet/cfg_parse.js';
import { summarize, formatSummary, weightsFileBytes } from '../../src/darknet/summary.js';
import { layerShapes } from '../../src/darknet/shapes.js';
import { CfgError } from '../../src/darknet/errors.js';
import { sharedPath } from '../support/references.js';

const at = (s: number) => ({ width: s, height: s });

test('yolov3: 61,949,149 parameters, 65.9 GFLOPs at 416, 140.7 at 608, 248,007,048-byte weights', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3.cfg');
  if (!p) return;
  const cfg = readCfg(p);
  const s416 = summarize(cfg, at(416));
  assert.equal(s416.params, 61_949_149);
  assert.equal(s416.gflops.toFixed(1), '65.9');
  assert.equal(summarize(cfg, at(608)).gflops.toFixed(1), '140.7');
  assert.equal(s416.weightsBytes, 248_007_048);
  assert.equal(weightsFileBytes(cfg), 248_007_048);
  // darknet53.conv.74: the backbone's first 74 layers (52 convolutions' weights)
  assert.equal(weightsFileBytes(cfg, { cutoff: 74 }), 162_482_580);
});

test('yolov3-tiny: about 8.8 M parameters, 5.56 GFLOPs at 416, 35,434,956-byte weights', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!p) return;
  const s = summarize(readCfg(p), at(416));
  assert.equal(s.params, 8_852_366);
  assert.equal(s.gflops.toFixed(2), '5.56');
  assert.equal(s.weightsBytes, 35_434_956);
  // maxpool size=2 stride=1 (layer 11) keeps 13x13, as darknet pads size-1 in total
  assert.deepEqual(s.rows[11].output, [512, 13, 13]);
  assert.deepEqual(s.rows[16].output, [255, 13, 13]);
  assert.deepEqual(s.rows[23].output, [255, 26, 26]);
});

test('yolov3-spp and yolov3-voc totals', (t) => {
  const spp = sharedPath(t, 'data/darknet/cfg/yolov3-spp.cfg');
  const voc = sharedPath(t, 'data/darknet/cfg/yolov3-voc.cfg');
  if (!spp || !voc) return;
  const a = summarize(readCfg(spp), at(608));
  assert.equal(a.params, 62_998_749);
  assert.equal(a.gflops.toFixed(1), '141.4');
  assert.equal(a.weightsBytes, 252_209_544);
  assert.equal(summarize(readCfg(voc), at(416)).weightsBytes, 246_714_648);
});

test('formatSummary prints a row per layer and the totals', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!p) return;
  const text = formatSummary(summarize(readCfg(p), at(416)));
  const lines = text.split('\n');
  assert.equal(lines.length, 1 + 24 + 1);
  assert.match(lines[1], /^\s+0\s+convolutional\s+16\s+3 x 3 \/ 1\s+416 x 416 x 3 ->\s+416 x 416 x 16\s+0\.150$/);
  assert.match(lines[21], /route\s+19 8/);
  assert.match(lines.at(-1)!, /8,852,366 parameters, 5\.565 GFLOPs, \.weights 35,434,956 bytes/);
});

test('grouped convolutions count channels/groups; a size that does not fit names the layer', () => {
  const cfg = parseCfg('[net]\nwidth=32\nheight=32\nchannels=8\n[convolutional]\nfilters=16\nsize=3\nstride=2\npad=1\ngroups=4\n[maxpool]\nsize=3\nstride=4\npadding=0\n');
  const s = summarize(cfg);
  assert.equal(s.params, 16 * 2 * 9 + 16);
  assert.equal(s.gflops * 1e9, 2 * 16 * 9 * 2 * 16 * 16);
  assert.deepEqual(layerShapes(cfg, 32, 32).map((l) => l.output), [[16, 16, 16], [16, 4, 4]]);
  assert.throws(() => layerShapes(cfg, 4, 4), (e: unknown) => e instanceof CfgError && e.line === 11 && /\[maxpool\] layer 1 has no output at 4x4 input/.test(e.message));
});
