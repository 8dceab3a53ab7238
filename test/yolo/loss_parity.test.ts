// Every loss variant against the PyTorch reference (bench/reference/yolo_loss.py,
// run by Debian's python3-torch): the (s, n, b, a, i, j) indices, the three
// parts and the total, and each part's gradients w.r.t. every raw head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { yoloLoss, cellPositions, type LossOptions, type YoloScale } from '../../src/yolo/index.js';
import { hasPython, REPO_ROOT } from '../support/references.js';
import { Exchange, maxRelativeError } from '../support/exchange.js';
import { SCALES, randomHeads, randomLabels } from './fixtures.js';

interface Case {
  name: string;
  options: LossOptions;
  labels: string;
  scales?: YoloScale[];
}

function cases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const assign of ['ratio', 'best-iou'] as const) {
    for (const bboxLoss of ['mse', 'iou', 'giou', 'ciou'] as const) {
      for (const objTarget of ['1', 'iou'] as const) {
        const options: LossOptions = { assign, bboxLoss, objTarget };
        if (k % 2 === 1) options.ignoreThresh = 0.3;
        if (k % 3 === 0) options.labelSmoothing = 0.1;
        if (k % 4 === 2) options.gains = { box: 0.05, obj: 1.5, cls: 0.5 };
        if (k % 5 === 4) options.posWeightFactor = 1;
        out.push({ name: `${assign}_${bboxLoss}_${objTarget}`, options, labels: 'random' });
        k++;
      }
    }
  }
  out.push({ name: 'no_labels', options: { bboxLoss: 'ciou', objTarget: 'iou', ignoreThresh: 0.5 }, labels: 'none' });
  out.push({ name: 'one_scale_only', options: { assign: 'best-iou', bboxLoss: 'giou', objTarget: 'iou', ignoreThresh: 0.3 }, labels: 'tiny' });
  out.push({ name: 'ratio_threshold_1', options: { ratioThreshold: 1, bboxLoss: 'iou', mseWhDivisor: 4 }, labels: 'random' });
  out.push({ name: 'mse_divisor_4', options: { bboxLoss: 'mse', mseWhDivisor: 4, objTarget: 'iou' }, labels: 'random' });
  out.push({
    name: 'scale_xy',
    options: { bboxLoss: 'ciou', objTarget: 'iou', ignoreThresh: 0.3 },
    labels: 'random',
    scales: SCALES.map((s) => ({ ...s, scaleXY: 1.1 })),
  });
  return out;
}

const PY = `
sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'bench', 'reference'))})
import warnings
warnings.filterwarnings('ignore')
from yolo_loss import yolo_loss
KEYS = {'assign': 'assign_rule', 'ratioThreshold': 'ratio_threshold', 'bboxLoss': 'bbox_loss', 'mseWhDivisor': 'mse_wh_divisor',
        'objTarget': 'obj_target', 'posWeightFactor': 'pos_weight_factor', 'ignoreThresh': 'ignore_thresh', 'labelSmoothing': 'label_smoothing'}
for case in ARGS:
    opts = {KEYS[k]: v for k, v in case['options'].items() if k != 'gains'}
    if 'gains' in case['options']:
        g = case['options']['gains']; opts['gains'] = (g['box'], g['obj'], g['cls'])
    heads = [load('h%d' % k).requires_grad_(True) for k in range(3)]
    r = yolo_loss(heads, load('labels_' + case['labels']), case['scales'], **opts)
    save(case['name'] + '.indices', torch.stack(r['indices'], 1))
    for part in ['box', 'obj', 'cls', 'total']:
        save(case['name'] + '.' + part, r[part])
        for h in heads: h.grad = None
        if r[part].requires_grad:
            r[part].backward(retain_graph=True)
        for k, h in enumerate(heads):
            save('%s.%s.d%d' % (case['name'], part, k), h.grad if h.grad is not None else torch.zeros_like(h))
`;

const PARTS = ['box', 'obj', 'cls', 'total'] as const;

test('every variant: indices, parts and gradients equal the PyTorch reference to 1e-5', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  const start = torch.memory().tensors;
  const ex = new Exchange();
  try {
    torch.tidy(() => {
      const heads = randomHeads(11);
      const labels: Record<string, torch.Tensor> = {
        random: randomLabels(12),
        none: torch.zeros([0, 6]),
        // Small boxes: best-iou puts them all on the stride-8 head.
        tiny: torch.tensor([[0, 0.2, 0.3, 0.06, 0.09, 0], [1, 0.7, 0.4, 0.1, 0.12, 2]]),
      };
      heads.forEach((h, k) => ex.put(`h${k}`, h));
      for (const [k, v] of Object.entries(labels)) ex.put(`labels_${k}`, v);
      const all = cases();
      ex.run(PY, all.map((c) => ({ ...c, scales: c.scales ?? SCALES })));
      let worst = 0;
      for (const c of all) {
        torch.tidy(() => {
          const leaves = heads.map((h) => h.clone().requiresGrad_());
          const r = yoloLoss(leaves, labels[c.labels], c.scales ?? SCALES, c.options);
          const a = r.assignment;
          const ours = a.s.map((_, k) => [a.s[k], a.n[k], a.b[k], a.a[k], a.i[k], a.j[k]]);
          assert.deepEqual(ours, ex.get(`${c.name}.indices`).tolist(), `${c.name}: indices`);
          for (const part of PARTS) {
            const value = r[part].item();
            const ref = ex.get(`${c.name}.${part}`).item();
            const err = Math.abs(value - ref) / Math.max(Math.abs(ref), 1e-6);
            worst = Math.max(worst, err);
            assert.ok(err <= 1e-5, `${c.name}.${part}: ${value} vs ${ref} (relative error ${err})`);
            leaves.forEach((l) => l.zeroGrad());
            if (r[part].requiresGrad) r[part].backward(undefined, { retainGraph: true });
            leaves.forEach((l, k) => {
              const g = l.grad ?? torch.zerosLike(l);
              const refGrad = ex.get(`${c.name}.${part}.d${k}`);
              const scale = refGrad.abs().max().item();
              const e = maxRelativeError(g, refGrad, Math.max(scale * 1e-2, 1e-12));
              worst = Math.max(worst, e);
              assert.ok(e <= 1e-5, `${c.name}.${part} d/dhead${k}: relative error ${e}`);
            });
          }
        });
      }
      console.log(`# ${all.length} cases, worst relative error ${worst.toExponential(2)}`);
    });
  } finally {
    ex.close();
  }
  assert.equal(torch.memory().tensors, start);
});

test('the fixture exercises the awkward paths: a cell assigned twice, ignored predictions', () => {
  torch.tidy(() => {
    const heads = randomHeads(11);
    const labels = randomLabels(12);
    for (const assign of ['ratio', 'best-iou'] as const) {
      const r = yoloLoss(heads, labels, SCALES, { assign });
      const positions = cellPositions(heads, r.assignment);
      assert.ok(new Set(positions).size < positions.length, `${assign}: no cell is assigned twice`);
    }
    const without = yoloLoss(heads, labels, SCALES, { objTarget: 'iou' }).obj.item();
    const withIgnore = yoloLoss(heads, labels, SCALES, { objTarget: 'iou', ignoreThresh: 0.3 }).obj.item();
    assert.ok(withIgnore < without, 'ignoreThresh 0.3 ignores nothing on the fixture');
  });
});
