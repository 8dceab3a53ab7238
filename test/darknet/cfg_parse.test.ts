import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseCfg, readCfg } from '../../src/darknet/cfg_parse.js';
import { CfgError } from '../../src/darknet/errors.js';
import type { ConvSpec, RouteSpec, YoloSpec } from '../../src/darknet/specs.js';
import { sharedPath } from '../support/references.js';

const NET = '[net]\nwidth=64\nheight=64\nchannels=3\n';
/** A one-head model: conv, then a [yolo] with the given extra lines. */
const tinyHead = (yolo = 'mask=0,1\nanchors=10,13, 16,30\nclasses=2', filters = 14) =>
  `${NET}[convolutional]\nfilters=${filters}\nsize=1\nactivation=linear\n\n[yolo]\n${yolo}\n`;

function throwsAt(text: string, line: number, pattern: RegExp, strict = false): void {
  assert.throws(() => parseCfg(text, { file: 'x.cfg', strict }), (e: unknown) => {
    assert.ok(e instanceof CfgError, String(e));
    assert.equal(e.line, line, e.message);
    assert.match(e.message, new RegExp(`^x\\.cfg:${line}: `));
    assert.match(e.message, pattern);
    return true;
  });
}

test('parses every stock cfg in ../shared without warnings', (t) => {
  const first = sharedPath(t, 'data/darknet/cfg/yolov3.cfg');
  if (!first) return;
  const dir = dirname(first);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cfg'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const cfg = readCfg(`${dir}/${f}`);
    assert.deepEqual(cfg.warnings, [], f);
    assert.ok(cfg.layers.some((l) => l.type === 'yolo'), f);
  }
});

test('yolov3.cfg: typed net settings and layers', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3.cfg');
  if (!p) return;
  const cfg = readCfg(p);
  assert.equal(cfg.layers.length, 107);
  assert.deepEqual([cfg.net.width, cfg.net.height, cfg.net.channels, cfg.net.batch, cfg.net.subdivisions], [608, 608, 3, 64, 16]);
  assert.deepEqual(cfg.net.steps, [400000, 450000]);
  assert.deepEqual(cfg.net.scales, [0.1, 0.1]);
  assert.equal(cfg.net.saturation, 1.5); // written "saturation = 1.5"
  assert.equal(cfg.net.hue, 0.1);
  assert.equal(cfg.net.maxBatches, 500200);
  const c0 = cfg.layers[0] as ConvSpec;
  assert.deepEqual([c0.filters, c0.size, c0.stride, c0.padding, c0.batchNormalize, c0.activation], [32, 3, 1, 1, true, 'leaky']);
  assert.equal(c0.where.line, 25);
  const yolos = cfg.layers.filter((l): l is YoloSpec => l.type === 'yolo');
  assert.deepEqual(yolos.map((y) => y.index), [82, 94, 106]);
  assert.deepEqual(yolos[0].mask, [6, 7, 8]);
  assert.deepEqual(yolos[0].anchors[8], [373, 326]);
  assert.equal(yolos[0].ignoreThresh, 0.7);
  assert.equal(yolos[0].random, 1);
  const route = cfg.layers[86] as RouteSpec;
  assert.deepEqual(route.layers, [85, 61]); // layers = -1, 61
  assert.equal(cfg.channels[86], 256 + 512);
  const shortcut = cfg.layers[4];
  assert.equal(shortcut.type, 'shortcut');
  assert.equal(shortcut.type === 'shortcut' && shortcut.from, 1);
});

test('format: blanks anywhere, comments, [network], repeated sections, trailing comments', () => {
  const text = `# leading comment\n[network]\n width = 32\nheight=32 # trailing\nchannels=3\n; semicolon comment\n\n[ convolutional ]\nfilters = 8\nsize=3\npad=1\nactivation = leaky\n\n[convolutional]\nfilters=8\nsize=3\nstride=2\npadding=0\n`;
  const cfg = parseCfg(text);
  assert.equal(cfg.net.height, 32);
  assert.equal(cfg.layers.length, 2);
  assert.deepEqual(cfg.layers.map((l) => (l as ConvSpec).padding), [1, 0]);
  assert.equal((cfg.layers[1] as ConvSpec).activation, 'logistic'); // darknet's default
});

test('route groups, maxpool padding, dropout and upsample specs', () => {
  const cfg = parseCfg(`${NET}[convolutional]\nfilters=16\nsize=3\npad=1\ngroups=1\nactivation=mish\n[route]\nlayers=-1\ngroups=2\ngroup_id=1\n[maxpool]\nsize=2\nstride=1\n[dropout]\nprobability=.25\n[upsample]\nstride=2\n[convolutional]\nfilters=8\nsize=3\ngroups=8\nactivation=swish\n`);
  assert.deepEqual(cfg.channels, [16, 8, 8, 8, 8, 8]);
  assert.deepEqual(cfg.layers[2], { index: 2, where: { file: '<cfg>', line: 15 }, extra: {}, type: 'maxpool', size: 2, stride: 1, padding: 1 });
  assert.equal(cfg.layers[3].type === 'dropout' && cfg.layers[3].probability, 0.25);
  assert.equal((cfg.layers[5] as ConvSpec).groups, 8);
});

test('[yolo] without num or mask uses every anchor; AlexeyAB loss keys and training keys are kept', () => {
  const cfg = parseCfg(tinyHead('anchors=10,13, 16,30\nclasses=2\nscale_x_y=1.05\niou_loss=ciou\niou_normalizer=0.07\nrandom=1.4\nstopbackward=1'));
  const y = cfg.layers[1] as YoloSpec;
  assert.deepEqual(y.mask, [0, 1]);
  assert.equal(y.scaleXY, 1.05);
  assert.equal(y.random, 1.4);
  assert.deepEqual(y.extra, { stopbackward: '1', iou_loss: 'ciou', iou_normalizer: '0.07' });
  assert.deepEqual(cfg.warnings, []);
});

test('unknown key: a warning naming file and line; an error when strict', () => {
  const text = `${NET}[convolutional]\nfilters=8\nsize=1\nfoo_bar=3\n`;
  const seen: string[] = [];
  const cfg = parseCfg(text, { file: 'x.cfg', onWarning: (w) => seen.push(`${w.file}:${w.line}: ${w.message}`) });
  assert.deepEqual(seen, ["x.cfg:8: unused field 'foo_bar' in [convolutional]"]);
  assert.equal(cfg.warnings.length, 1);
  throwsAt(text, 8, /unused field 'foo_bar'.*strict/, true);
});

test('repeated key warns: darknet reads the first', () => {
  const cfg = parseCfg(`${NET}[convolutional]\nfilters=8\nfilters=16\nsize=1\n`, { file: 'x.cfg' });
  assert.equal((cfg.layers[0] as ConvSpec).filters, 8);
  assert.match(cfg.warnings[0].message, /repeated field 'filters'/);
  assert.equal(cfg.warnings[0].line, 7);
});

test('errors name file and line', () => {
  throwsAt(`${NET}[convolutional]\nfilters=8\n[frobnicate]\nx=1\n`, 7, /unknown section \[frobnicate\]/);
  throwsAt(`${NET}[connected]\noutput=8\n`, 5, /\[connected\] is a darknet layer this toolkit does not implement/);
  throwsAt(`${NET}[convolutional]\nfilters=abc\n`, 6, /filters=abc is not an integer/);
  throwsAt(`${NET}[convolutional]\nfilters=8\nsize=1\n[yolo]\nanchors=10,1x3\n`, 9, /'1x3' is not a number/);
  throwsAt(`${NET}[convolutional]\nfilters=8\n[route]\nlayers=-1, 4\n`, 8, /layers=4 points to layer 4, outside layers 0\.\.0/);
  throwsAt(`${NET}[convolutional]\nfilters=8\n[route]\nlayers=-3\n`, 8, /layers=-3 points to layer -2/);
  throwsAt(`${NET}[convolutional]\nfilters=8\n[shortcut]\nfrom=-3\n`, 8, /from=-3 points to layer -2/);
  throwsAt(tinyHead('mask=0,2\nanchors=10,13, 16,30\nclasses=2'), 11, /mask index 2 outside anchors 0\.\.1/);
  throwsAt(tinyHead('mask=0,1\nanchors=10,13, 16,30\nclasses=3'), 10, /has 14 filters; this head needs len\(mask\)\*\(5\+classes\) = 2\*\(5\+3\) = 16/);
  throwsAt(tinyHead('mask=0,1\nanchors=10,13, 16,30\nclasses=2\nnew_coords=1'), 14, /new_coords=1 is not supported/);
  throwsAt(`${NET}[convolutional]\nfilters=8\nactivation=gelu\n`, 7, /unknown activation 'gelu'/);
  throwsAt(`${NET}[convolutional]\nfilters=8\ndontload=1\n`, 7, /dontload=1 is not supported/);
  throwsAt(`${NET}[convolutional]\nfilters=8\nfilters\n`, 7, /expected key=value/);
  throwsAt(`[convolutional]\nfilters=8\n`, 1, /first section must be \[net\]/);
  throwsAt(`${NET}policy=steps\nsteps=100,200\nscales=.1\n[convolutional]\nfilters=8\n`, 7, /scales lists 1 values for 2 steps/);
  throwsAt(`${NET}[convolutional]\nfilters=8\n[upsample]\nstride=0\n`, 8, /stride=0 must be positive/);
  throwsAt(`${NET}[convolutional]\nfilters=8\nsize=3\npad=1\n[convolutional]\nfilters=8\nstride=2\n[route]\nlayers=-1,0\n`, 12, /\[route\] layer 0 is 64x64 but layer 1 is 32x32/);
});
