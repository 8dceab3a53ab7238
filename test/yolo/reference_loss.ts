// Our loss against the PyTorch reference (reference/yolo_loss.py, run by
// Debian's python3-torch) on the same heads and labels: the (s, n, b, a, i, j)
// indices, the three parts and the total, and each part's gradients w.r.t.
// every raw head. Used by the variant tests and the real-model test.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { yoloLoss, type LossOptions, type YoloScale } from '../../src/yolo/index.js';
import { REPO_ROOT } from '../support/references.js';
import { Exchange, maxRelativeError } from '../support/exchange.js';

export interface ReferenceCase {
  name: string;
  options: LossOptions;
  /** Key of the labels tensor given to runReference. */
  labels: string;
  scales: YoloScale[];
}

const PY = `
sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'test', 'yolo', 'reference'))})
import warnings
warnings.filterwarnings('ignore')
from yolo_loss import yolo_loss
KEYS = {'assign': 'assign_rule', 'ratioThreshold': 'ratio_threshold', 'bboxLoss': 'bbox_loss', 'mseWhDivisor': 'mse_wh_divisor',
        'objTarget': 'obj_target', 'posWeightFactor': 'pos_weight_factor', 'ignoreThresh': 'ignore_thresh', 'labelSmoothing': 'label_smoothing'}
for case in ARGS:
    opts = {KEYS[k]: v for k, v in case['options'].items() if k != 'gains'}
    if 'gains' in case['options']:
        g = case['options']['gains']; opts['gains'] = (g['box'], g['obj'], g['cls'])
    heads = [load('h%d' % k).requires_grad_(True) for k in range(len(case['scales']))]
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

/** Runs the reference on every case; its results stay in `ex` for assertMatchesReference. */
export function runReference(ex: Exchange, heads: torch.Tensor[], labels: Record<string, torch.Tensor>, cases: ReferenceCase[]): void {
  heads.forEach((h, k) => ex.put(`h${k}`, h));
  for (const [k, v] of Object.entries(labels)) ex.put(`labels_${k}`, v);
  ex.run(PY, cases);
}

/**
 * Asserts our indices, parts and gradients equal the reference's for one
 * case to `tol` (relative; gradients relative to 1% of the largest
 * reference gradient at least). Returns the worst relative error seen.
 */
export function assertMatchesReference(ex: Exchange, c: ReferenceCase, heads: torch.Tensor[], labels: Record<string, torch.Tensor>, tol = 1e-5): number {
  let worst = 0;
  torch.tidy(() => {
    const leaves = heads.map((h) => h.detach().clone().requiresGrad_());
    const r = yoloLoss(leaves, labels[c.labels], c.scales, c.options);
    const a = r.assignment;
    const ours = a.s.map((_, k) => [a.s[k], a.n[k], a.b[k], a.a[k], a.i[k], a.j[k]]);
    assert.deepEqual(ours, ex.get(`${c.name}.indices`).tolist(), `${c.name}: indices`);
    for (const part of PARTS) {
      const value = r[part].item();
      const ref = ex.get(`${c.name}.${part}`).item();
      const err = Math.abs(value - ref) / Math.max(Math.abs(ref), 1e-6);
      worst = Math.max(worst, err);
      assert.ok(err <= tol, `${c.name}.${part}: ${value} vs ${ref} (relative error ${err})`);
      leaves.forEach((l) => l.zeroGrad());
      if (r[part].requiresGrad) r[part].backward(undefined, { retainGraph: true });
      leaves.forEach((l, k) => {
        const g = l.grad ?? torch.zerosLike(l);
        const refGrad = ex.get(`${c.name}.${part}.d${k}`);
        const scale = refGrad.abs().max().item();
        const e = maxRelativeError(g, refGrad, Math.max(scale * 1e-2, 1e-12));
        worst = Math.max(worst, e);
        assert.ok(e <= tol, `${c.name}.${part} d/dhead${k}: relative error ${e}`);
      });
    }
  });
  return worst;
}
