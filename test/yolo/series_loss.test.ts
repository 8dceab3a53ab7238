// lossForm 'series' and assign 'pred-iou' against the PyTorch transcription
// of the series' own code (test/yolo/reference/series_loss.py: compute_loss
// for the 'ratio' rule, compute_loss2 = select_anchor for 'pred-iou'), in
// float64 on fixed heads: the (s, n, b, a, i, j) rows, the three parts and
// the total, and the gradients of each w.r.t. every head, to 1e-5, for every
// bboxLoss × objTarget × rule the series has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { predictedIous, seriesPosWeight, yoloLoss, type LossOptions, type YoloScale } from '../../src/yolo/index.js';
import { hasPython, REPO_ROOT, runPython } from '../support/references.js';
import { SERIES_CONFIGS, seriesHeads, type SeriesConfig } from './series_fixtures.js';

interface Variant {
  bboxLoss: 'mse' | 'iou';
  objTarget: '1' | 'iou';
  assign: 'ratio' | 'pred-iou';
  /** The series' w, h clamp (absent: on, as the series). */
  whClamp?: boolean;
}

const VARIANTS: Variant[] = (['ratio', 'pred-iou'] as const).flatMap((assign) =>
  (['mse', 'iou'] as const).flatMap((bboxLoss) => (['1', 'iou'] as const).map((objTarget): Variant => ({ bboxLoss, objTarget, assign }))))
  // --no-wh-clamp, against the reference with its clamp switched off
  .concat((['ratio', 'pred-iou'] as const).map((assign): Variant => ({ bboxLoss: 'iou', objTarget: 'iou', assign, whClamp: false })));

interface RefResult {
  total: number;
  box: number;
  obj: number;
  cls: number;
  pos_weight: number;
  assignment: number[][];
  best_iou_scales?: number[][];
  best_anchor_scales?: number[][];
  grads: number[][];
  part_grads: { box: number[][]; obj: number[][]; cls: number[][] };
}

const PY = `
import sys, json
sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'test', 'yolo', 'reference'))})
from series_loss import run
print(json.dumps([run(spec) for spec in json.load(sys.stdin)]))
`;

function spec(cfg: SeriesConfig, heads: torch.Tensor[], v: Variant) {
  return {
    heads: heads.map((h) => ({ shape: h.shape, data: h.toArray() })),
    labels: cfg.labels,
    anchors: cfg.scales.map((s) => s.anchors),
    strides: cfg.scales.map((s) => s.stride),
    bbox_loss: v.bboxLoss,
    obj_target: v.objTarget,
    rule: v.assign === 'ratio' ? 'compute_loss' : 'compute_loss2',
    wh_clamp: v.whClamp ?? true,
  };
}

/** Largest |a − b| / max(|b|, floor) with floor = 1% of the largest |b| (at least 1e-12), as reference_loss.ts. */
function relError(ours: number[], ref: number[]): number {
  assert.equal(ours.length, ref.length);
  const floor = Math.max(1e-2 * Math.max(...ref.map(Math.abs)), 1e-12);
  let worst = 0;
  ours.forEach((x, k) => {
    const e = Math.abs(x - ref[k]) / Math.max(Math.abs(ref[k]), floor);
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  });
  return worst;
}

const PARTS = ['total', 'box', 'obj', 'cls'] as const;

/** Asserts one case against the reference; returns the worst relative error. */
function compare(name: string, cfg: SeriesConfig, heads: torch.Tensor[], v: Variant, ref: RefResult): number {
  let worst = 0;
  torch.tidy(() => {
    const leaves = heads.map((h) => h.detach().clone().requiresGrad_());
    const labels = torch.tensor(cfg.labels, { dtype: 'float64' });
    const options: LossOptions = { lossForm: 'series', ...v };
    const r = yoloLoss(leaves, labels, cfg.scales, options);
    const a = r.assignment;
    assert.deepEqual(a.s.map((_, k) => [a.s[k], a.n[k], a.b[k], a.a[k], a.i[k], a.j[k]]), ref.assignment, `${name}: (s, n, b, a, i, j)`);
    const pw = seriesPosWeight(leaves, cfg.labels.length, 0.5);
    assert.ok(Math.abs(pw - ref.pos_weight) <= 1e-12 * ref.pos_weight, `${name}: pos_weight ${pw} vs ${ref.pos_weight}`);
    for (const part of PARTS) {
      const err = Math.abs(r[part].item() - ref[part]) / Math.max(Math.abs(ref[part]), 1e-6);
      assert.ok(err <= 1e-5, `${name}.${part}: ${r[part].item()} vs ${ref[part]}`);
      worst = Math.max(worst, err);
      leaves.forEach((l) => l.zeroGrad());
      r[part].backward(undefined, { retainGraph: true });
      const refGrads = part === 'total' ? ref.grads : ref.part_grads[part];
      leaves.forEach((l, k) => {
        const e = relError((l.grad ?? torch.zerosLike(l)).toArray(), refGrads[k]);
        assert.ok(e <= 1e-5, `${name}.${part} d/dhead${k}: relative error ${e}`);
        worst = Math.max(worst, e);
      });
    }
    if (v.assign === 'pred-iou') worst = Math.max(worst, comparePredIous(name, cfg, heads, labels, ref, v));
  });
  return worst;
}

/** pred_iou.ts's IoUs: per scale and label, the best anchor and its IoU equal select_anchor's. */
function comparePredIous(name: string, cfg: SeriesConfig, heads: torch.Tensor[], labels: torch.Tensor, ref: RefResult, v: Variant): number {
  const rows = { data: labels.toArray(), count: cfg.labels.length, float32: false };
  const ious = predictedIous(heads, labels, rows, cfg.scales, v.whClamp ?? true);
  let worst = 0;
  ious.forEach((perScale, s) => perScale.forEach((values, n) => {
    const best = Math.max(...values);
    assert.equal(values.indexOf(best), ref.best_anchor_scales![s][n], `${name}: best anchor of label ${n} at scale ${s}`);
    const e = Math.abs(best - ref.best_iou_scales![s][n]);
    assert.ok(e <= 1e-12, `${name}: best IoU of label ${n} at scale ${s}: ${best} vs ${ref.best_iou_scales![s][n]}`);
    worst = Math.max(worst, e);
  }));
  return worst;
}

test("lossForm 'series' × {mse, iou} × {1, iou} × {ratio, pred-iou} equals the series' compute_loss / compute_loss2 to 1e-5", (t) => {
  if (!hasPython(t, 'torch')) return;
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const cases = SERIES_CONFIGS.flatMap((cfg) => {
      const heads = seriesHeads(cfg);
      return VARIANTS.filter((v) => v.assign === 'ratio' || !cfg.ratioOnly).map((v) => ({ cfg, heads, v, name: `${cfg.name}_${v.assign}_${v.bboxLoss}_${v.objTarget}${v.whClamp === false ? '_unclamped' : ''}` }));
    });
    const refs = runPython<RefResult[]>(PY, cases.map((c) => spec(c.cfg, c.heads, c.v)));
    const worst = new Map<string, number>();
    cases.forEach((c, k) => {
      const key = `${c.v.assign}_${c.v.bboxLoss}_${c.v.objTarget}${c.v.whClamp === false ? '_unclamped' : ''}`;
      worst.set(key, Math.max(worst.get(key) ?? 0, compare(c.name, c.cfg, c.heads, c.v, refs[k])));
    });
    console.log(`# ${cases.length} cases; worst relative error per variant: ${[...worst].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
    assertFixtureCovers(cases.map((c, k) => ({ name: c.name, assignment: refs[k].assignment })));
  });
  assert.equal(torch.memory().tensors, start);
});

/** The fixture exercises what the series does oddly (read from the reference's rows, so it cannot pass vacuously). */
function assertFixtureCovers(results: { name: string; assignment: number[][] }[]): void {
  for (const { name, assignment } of results) {
    const cells = assignment.map(([s, , b, a, i, j]) => `${s},${b},${a},${i},${j}`);
    if (!name.startsWith('large')) assert.ok(new Set(cells).size < cells.length, `${name}: no cell assigned twice`);
    const scalesOfLabel = new Map<number, Set<number>>();
    for (const [s, n] of assignment) scalesOfLabel.set(n, (scalesOfLabel.get(n) ?? new Set()).add(s));
    const several = [...scalesOfLabel.values()].some((set) => set.size > 1);
    if (name.includes('_ratio_') && !name.startsWith('large')) assert.ok(several, `${name}: no label trains at several scales`);
    if (name.includes('_pred-iou_')) assert.ok(!several && scalesOfLabel.size === SERIES_CONFIGS.find((c) => name.startsWith(c.name))!.labels.length, `${name}: not one row per label`);
    if (name.startsWith('large')) assert.ok(!assignment.some(([s]) => s === 2), `${name}: the stride-8 scale has a label`);
  }
}

test("'pred-iou': a label whose IoUs are 0 everywhere trains scale 0, anchor 0, as torch.max's first-on-ties", () => {
  torch.tidy(() => {
    const cfg = SERIES_CONFIGS[1];
    const heads = seriesHeads(cfg);
    const labels = torch.tensor(cfg.labels, { dtype: 'float64' });
    const rows = { data: labels.toArray(), count: cfg.labels.length, float32: false };
    const ious = predictedIous(heads, labels, rows, cfg.scales);
    const n = cfg.zeroIouLabel!;
    assert.deepEqual(ious.map((perScale) => perScale[n]), cfg.scales.map((s) => s.anchors.map(() => 0)), 'the fixture label overlaps a prediction');
    const r = yoloLoss(heads, labels, cfg.scales, { assign: 'pred-iou', bboxLoss: 'iou' });
    const k = r.assignment.n.indexOf(n);
    assert.deepEqual([r.assignment.s[k], r.assignment.a[k]], [0, 0]);
  });
});

test("lossForm 'series' without labels: box = cls = 0, obj = Σ over scales of mean BCE(t, 0), finite gradients (the series divides by zero)", () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const scales: YoloScale[] = [{ anchors: [[16, 16], [32, 32]], stride: 32 }, { anchors: [[8, 8], [4, 4]], stride: 16 }];
    for (const assign of ['ratio', 'pred-iou'] as const) {
      // All logits 0: every BCE is ln 2, so each scale's mean is ln 2 and obj = 2 ln 2.
      const heads = [torch.zeros([2, 2, 1, 1, 7], { dtype: 'float64' }), torch.zeros([2, 2, 2, 2, 7], { dtype: 'float64' })].map((h) => h.requiresGrad_());
      const r = yoloLoss(heads, torch.zeros([0, 6]), scales, { lossForm: 'series', assign, bboxLoss: 'iou', objTarget: 'iou' });
      assert.equal(r.box.item(), 0);
      assert.equal(r.cls.item(), 0);
      assert.ok(Math.abs(r.obj.item() - 2 * Math.LN2) < 1e-12, `obj ${r.obj.item()}`);
      r.total.backward();
      // d mean BCE(t, 0) / dt = sigmoid(0) / count = 0.5 / (2·2·1·1) at scale 0
      assert.ok(Math.abs(heads[0].grad!.select(4, 4).max().item() - 0.125) < 1e-12);
      assert.ok(heads.every((h) => h.grad!.isfinite().all().item() === 1));
    }
  });
  assert.equal(torch.memory().tensors, start);
});

test("lossForm 'series' rejects what the series does not have: 'giou'/'ciou' and ignoreThresh; unknown forms", () => {
  torch.tidy(() => {
    const heads = [torch.zeros([1, 1, 1, 1, 6])];
    const scales: YoloScale[] = [{ anchors: [[16, 16]], stride: 32 }];
    const labels = torch.tensor([[0, 0.5, 0.5, 0.5, 0.5, 0]]);
    for (const bboxLoss of ['giou', 'ciou'] as const) {
      assert.throws(() => yoloLoss(heads, labels, scales, { lossForm: 'series', bboxLoss }), /lossForm 'series' takes bboxLoss 'mse' or 'iou'/);
    }
    assert.throws(() => yoloLoss(heads, labels, scales, { lossForm: 'series', bboxLoss: 'iou', ignoreThresh: 0.7 }), /no ignoreThresh/);
    assert.throws(() => yoloLoss(heads, labels, scales, { lossForm: 'sum' as never }), /lossForm must be one of 'mean', 'series'/);
    assert.throws(() => yoloLoss(heads, labels, scales, { lossForm: 'mean', whClamp: true }), /'mean' does not clamp/);
    assert.throws(() => yoloLoss(heads, labels, scales, { lossForm: 'series', bboxLoss: 'iou', whClamp: 'no' as never }), /whClamp must be a boolean/);
  });
});

test("whClamp: on by default with lossForm 'series' (a box beyond the grid gets no size gradient), off with --no-wh-clamp", () => {
  torch.tidy(() => {
    // one 1×1 head, anchor = the whole grid, tw = th = 1: w = h = e > max(W, H) = 1, past the clamp
    const scales: YoloScale[] = [{ anchors: [[32, 32]], stride: 32 }];
    const labels = torch.tensor([[0, 0.5, 0.5, 0.5, 0.5, 0]], { dtype: 'float64' });
    const sizeGrad = (whClamp?: boolean): number[] => {
      const head = torch.tensor([0, 0, 1, 1, 0, 0], { dtype: 'float64' }).reshape([1, 1, 1, 1, 6]).requiresGrad_();
      yoloLoss([head], labels, scales, { lossForm: 'series', bboxLoss: 'iou', objTarget: '1', whClamp }).box.backward();
      return head.grad!.toArray().slice(2, 4);
    };
    assert.deepEqual(sizeGrad(), [0, 0]);
    assert.deepEqual(sizeGrad(true), [0, 0]);
    // unclamped: box 1 − IoU with IoU = (0.5·0.5) / (e·e) and d/dtw of w = e·exp(tw)... hand: d(1 − 0.25/(w·h))/dtw = 0.25/(w·h) = 0.25/e² (w = e^tw)
    const g = sizeGrad(false);
    for (const v of g) assert.ok(Math.abs(v - 0.25 / Math.E ** 2) < 1e-12, `d box / d tw = ${v}, want 0.25/e² = ${0.25 / Math.E ** 2}`);
  });
});
