"""An independent, small re-implementation of pycocotools' COCOeval for
bbox results, in Python and numpy, used as the reference for the COCO mAP
tests (Debian has no python3-pycocotools). It follows pycocotools'
cocoeval.py (evaluate / evaluateImg / accumulate / summarize), coco.py's
loadRes (area = w*h, id = index+1, iscrowd = 0) and maskApi.c's bbIou line
by line, with the same numpy primitives (linspace, mergesort argsort,
searchsorted, spacing), so float corner cases behave as pycocotools' do.

stdin:  {"dataset": {images, annotations, categories}, "results": [...]}
stdout: {"stats": [12 numbers], "per_class_ap": {cat_id: AP@[.5:.95]}}
"""
import json
import sys
from collections import defaultdict

import numpy as np

IOU_THRS = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
REC_THRS = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
MAX_DETS = [1, 10, 100]
AREA_RNG = [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
AREA_LBL = ['all', 'small', 'medium', 'large']


def bb_iou(dt, gt, iscrowd):
    """maskApi.c bbIou: boxes are [x, y, w, h]; crowd uses the detection's area as union."""
    o = np.zeros((len(dt), len(gt)))
    for g, G in enumerate(gt):
        ga = G[2] * G[3]
        for d, D in enumerate(dt):
            da = D[2] * D[3]
            w = min(D[2] + D[0], G[2] + G[0]) - max(D[0], G[0])
            if w <= 0:
                continue
            h = min(D[3] + D[1], G[3] + G[1]) - max(D[1], G[1])
            if h <= 0:
                continue
            i = w * h
            u = da if iscrowd[g] else da + ga - i
            o[d, g] = i / u
    return o


def evaluate(dataset, results):
    img_ids = sorted(img['id'] for img in dataset['images'])
    cat_ids = sorted(c['id'] for c in dataset['categories'])
    gts = defaultdict(list)
    dts = defaultdict(list)
    for g in dataset['annotations']:
        g = dict(g)
        g['ignore'] = int(bool(g.get('iscrowd', 0)))
        gts[g['image_id'], g['category_id']].append(g)
    for i, d in enumerate(results):
        d = dict(d)
        d['area'] = d['bbox'][2] * d['bbox'][3]
        d['id'] = i + 1
        d['iscrowd'] = 0
        dts[d['image_id'], d['category_id']].append(d)

    def compute_iou(img, cat):
        gt, dt = gts[img, cat], dts[img, cat]
        if len(gt) == 0 and len(dt) == 0:
            return []
        inds = np.argsort([-d['score'] for d in dt], kind='mergesort')
        dt = [dt[i] for i in inds][:MAX_DETS[-1]]
        if len(gt) == 0 or len(dt) == 0:
            return []
        return bb_iou([d['bbox'] for d in dt], [g['bbox'] for g in gt], [int(g.get('iscrowd', 0)) for g in gt])

    ious = {(i, c): compute_iou(i, c) for i in img_ids for c in cat_ids}

    def evaluate_img(img, cat, rng, max_det):
        gt, dt = gts[img, cat], dts[img, cat]
        if len(gt) == 0 and len(dt) == 0:
            return None
        for g in gt:
            g['_ignore'] = 1 if (g['ignore'] or g['area'] < rng[0] or g['area'] > rng[1]) else 0
        gtind = np.argsort([g['_ignore'] for g in gt], kind='mergesort')
        gt = [gt[i] for i in gtind]
        dtind = np.argsort([-d['score'] for d in dt], kind='mergesort')
        dt = [dt[i] for i in dtind[0:max_det]]
        iscrowd = [int(o.get('iscrowd', 0)) for o in gt]
        iou = ious[img, cat]
        iou = iou[:, gtind] if len(iou) > 0 else iou
        T, G, D = len(IOU_THRS), len(gt), len(dt)
        gtm, dtm = np.zeros((T, G)), np.zeros((T, D))
        gt_ig = np.array([g['_ignore'] for g in gt])
        dt_ig = np.zeros((T, D))
        if len(iou) != 0:
            for tind, t in enumerate(IOU_THRS):
                for dind, d in enumerate(dt):
                    best = min([t, 1 - 1e-10])
                    m = -1
                    for gind, g in enumerate(gt):
                        if gtm[tind, gind] > 0 and not iscrowd[gind]:
                            continue
                        if m > -1 and gt_ig[m] == 0 and gt_ig[gind] == 1:
                            break
                        if iou[dind, gind] < best:
                            continue
                        best = iou[dind, gind]
                        m = gind
                    if m == -1:
                        continue
                    dt_ig[tind, dind] = gt_ig[m]
                    dtm[tind, dind] = gt[m]['id']
                    gtm[tind, m] = d['id']
        a = np.array([d['area'] < rng[0] or d['area'] > rng[1] for d in dt]).reshape((1, len(dt)))
        dt_ig = np.logical_or(dt_ig, np.logical_and(dtm == 0, np.repeat(a, T, 0)))
        return {'dtMatches': dtm, 'dtScores': [d['score'] for d in dt], 'gtIgnore': gt_ig, 'dtIgnore': dt_ig}

    T, R, K, A, M = len(IOU_THRS), len(REC_THRS), len(cat_ids), len(AREA_RNG), len(MAX_DETS)
    precision = -np.ones((T, R, K, A, M))
    recall = -np.ones((T, K, A, M))
    for k, cat in enumerate(cat_ids):
        for a, rng in enumerate(AREA_RNG):
            E = [evaluate_img(img, cat, rng, MAX_DETS[-1]) for img in img_ids]
            E = [e for e in E if e is not None]
            if len(E) == 0:
                continue
            for m, max_det in enumerate(MAX_DETS):
                scores = np.concatenate([e['dtScores'][0:max_det] for e in E])
                inds = np.argsort(-scores, kind='mergesort')
                dtm = np.concatenate([e['dtMatches'][:, 0:max_det] for e in E], axis=1)[:, inds]
                dt_ig = np.concatenate([e['dtIgnore'][:, 0:max_det] for e in E], axis=1)[:, inds]
                gt_ig = np.concatenate([e['gtIgnore'] for e in E])
                npig = np.count_nonzero(gt_ig == 0)
                if npig == 0:
                    continue
                tps = np.logical_and(dtm, np.logical_not(dt_ig))
                fps = np.logical_and(np.logical_not(dtm), np.logical_not(dt_ig))
                tp_sum = np.cumsum(tps, axis=1).astype(dtype=float)
                fp_sum = np.cumsum(fps, axis=1).astype(dtype=float)
                for t, (tp, fp) in enumerate(zip(tp_sum, fp_sum)):
                    nd = len(tp)
                    rc = tp / npig
                    pr = (tp / (fp + tp + np.spacing(1))).tolist()
                    q = [0.0] * R
                    recall[t, k, a, m] = rc[-1] if nd else 0
                    for i in range(nd - 1, 0, -1):
                        if pr[i] > pr[i - 1]:
                            pr[i - 1] = pr[i]
                    for ri, pi in enumerate(np.searchsorted(rc, REC_THRS, side='left')):
                        if pi >= nd:
                            break
                        q[ri] = pr[pi]
                    precision[t, :, k, a, m] = np.array(q)

    def summarize(ap, iou_thr=None, area='all', max_dets=100):
        aind = AREA_LBL.index(area)
        mind = MAX_DETS.index(max_dets)
        s = precision if ap else recall
        if iou_thr is not None:
            s = s[np.where(iou_thr == IOU_THRS)[0]]
        s = s[:, :, :, aind, mind] if ap else s[:, :, aind, mind]
        return -1.0 if len(s[s > -1]) == 0 else float(np.mean(s[s > -1]))

    stats = [summarize(1), summarize(1, .5), summarize(1, .75), summarize(1, area='small'),
             summarize(1, area='medium'), summarize(1, area='large'), summarize(0, max_dets=1),
             summarize(0, max_dets=10), summarize(0), summarize(0, area='small'),
             summarize(0, area='medium'), summarize(0, area='large')]
    per_class = {}
    for k, cat in enumerate(cat_ids):
        s = precision[:, :, k, 0, -1]
        per_class[str(cat)] = -1.0 if len(s[s > -1]) == 0 else float(np.mean(s[s > -1]))
    return {'stats': stats, 'per_class_ap': per_class}


if __name__ == '__main__':
    data = json.load(sys.stdin)
    print(json.dumps(evaluate(data['dataset'], data['results'])))
