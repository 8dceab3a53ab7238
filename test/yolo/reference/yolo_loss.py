"""PyTorch reference of the YOLOv3 loss (the series' formulas), written
independently of src/yolo: the tests in test/yolo compare every variant's
parts and gradients with it, and the training benchmark
(bench/reference/train_step.py) runs it beside ours.

Conventions (the same as src/yolo documents: scale.ts, assign.ts, box_loss.ts):
  heads   list of raw [B, na, h, w, 5 + nc] tensors, one per scale
  labels  [N, 6] = (batch_idx, x, y, w, h, cls), normalised 0..1
  scales  list of {'anchors': [[w, h], ...] input pixels, 'stride': s or [sx, sy],
          'scaleXY': 1}, in the order of heads
  indices (s, n, b, a, i, j): scale, label, image, anchor, cell column (x),
          cell row (y); the trained prediction is heads[s][b, a, j, i].
"""
import math

import torch
import torch.nn.functional as F


def stride_xy(scale):
    st = scale['stride']
    return (st, st) if isinstance(st, (int, float)) else (st[0], st[1])


def pred_iou_choice(labels, grids, scales, heads):
    """'pred-iou' (the series' select_anchor): (scale, anchor) per label by the IoU of the label with each
    current prediction of its cell; sizes clamped to [0, max(w, h)], label offset from the unclamped floor."""
    best_iou, best_anchor = [], []
    for s, scale in enumerate(scales):
        h, w = grids[s]
        head = heads[s].detach()
        grid = torch.tensor([w, h], dtype=labels.dtype, device=labels.device)
        xy = labels[:, 1:3] * grid
        i = xy[:, 0].floor().long().clamp(0, w - 1)
        j = xy[:, 1].floor().long().clamp(0, h - 1)
        pred = head[labels[:, 0].long(), :, j, i]  # [N, na, 5 + nc]
        pxy = offset(pred[..., 0:2], scale.get('scaleXY', 1))
        pwh = (pred[..., 2:4].exp() * anchors_in_grid(scale, head.dtype, head.device)).clamp(0, max(w, h))
        tbox = torch.cat([xy - xy.floor(), labels[:, 3:5] * grid], 1)[:, None, :].expand(-1, head.shape[1], -1)
        iou = paired_iou(xywh_to_xyxy(torch.cat([pxy, pwh], -1)), xywh_to_xyxy(tbox), 'iou')  # [N, na]
        v, a = iou.max(1)  # first maximum on ties
        best_iou.append(v)
        best_anchor.append(a)
    scale_of = torch.stack(best_iou).max(0)[1]  # first maximum: all-zero IoUs -> scale 0
    anchor_of = torch.stack(best_anchor).gather(0, scale_of[None])[0]
    return scale_of, anchor_of


def assign(labels, grids, scales, rule='ratio', ratio_threshold=2.0, heads=None):
    """(s, n, b, a, i, j) int64 tensors, sorted by scale then label ('pred-iou' reads the heads)."""
    dev = labels.device
    sx, sy = stride_xy(scales[0])
    width, height = grids[0][1] * sx, grids[0][0] * sy
    gw = labels[:, 3] * width  # label sizes in input pixels, as the anchors
    gh = labels[:, 4] * height
    per_scale = []  # (label indices, anchor indices) per scale
    if rule == 'ratio':
        for scale in scales:
            anc = torch.tensor(scale['anchors'], dtype=labels.dtype, device=dev)
            r = (gw[:, None] / anc[:, 0] - 1).abs() + (gh[:, None] / anc[:, 1] - 1).abs()  # [N, na]
            a = r.argmin(1) if len(labels) else torch.zeros(0, dtype=torch.long, device=dev)
            keep = r.gather(1, a[:, None])[:, 0] < ratio_threshold
            per_scale.append((keep.nonzero()[:, 0], a[keep]))
    elif rule == 'best-iou':
        anc = torch.tensor([wh for sc in scales for wh in sc['anchors']], dtype=labels.dtype, device=dev)  # [A, 2]
        scale_of = torch.tensor([s for s, sc in enumerate(scales) for _ in sc['anchors']], device=dev)
        anchor_of = torch.tensor([a for sc in scales for a in range(len(sc['anchors']))], device=dev)
        inter = torch.min(gw[:, None], anc[:, 0]) * torch.min(gh[:, None], anc[:, 1])
        union = (gw * gh)[:, None] + anc[:, 0] * anc[:, 1] - inter
        k = (inter / union).argmax(1) if len(labels) else torch.zeros(0, dtype=torch.long, device=dev)
        for s in range(len(scales)):
            n = (scale_of[k] == s).nonzero()[:, 0]
            per_scale.append((n, anchor_of[k][n]))
    elif rule == 'pred-iou':
        scale_of, anchor_of = pred_iou_choice(labels, grids, scales, heads)
        for s in range(len(scales)):
            n = (scale_of == s).nonzero()[:, 0]
            per_scale.append((n, anchor_of[n]))
    else:
        raise ValueError(rule)
    cols = {c: [] for c in 'snbaij'}
    for s, (n, a) in enumerate(per_scale):
        h, w = grids[s]
        lab = labels[n]
        cols['s'].append(torch.full_like(n, s))
        cols['n'].append(n)
        cols['b'].append(lab[:, 0].long())
        cols['a'].append(a)
        cols['i'].append((lab[:, 1] * w).floor().long().clamp(0, w - 1))
        cols['j'].append((lab[:, 2] * h).floor().long().clamp(0, h - 1))
    return tuple(torch.cat(cols[c]) for c in 'snbaij')


def xywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def paired_iou(b1, b2, kind='iou', eps=1e-7):
    """IoU family of xyxy boxes, elementwise (torchvision's formulas, eps on the diagonal and alpha)."""
    ax1, ay1, ax2, ay2 = b1.unbind(-1)
    bx1, by1, bx2, by2 = b2.unbind(-1)
    aw, ah, bw, bh = ax2 - ax1, ay2 - ay1, bx2 - bx1, by2 - by1
    inter = (torch.min(ax2, bx2) - torch.max(ax1, bx1)).clamp(min=0) * (torch.min(ay2, by2) - torch.max(ay1, by1)).clamp(min=0)
    union = aw * ah + bw * bh - inter
    iou = inter / union
    if kind == 'iou':
        return iou
    cw = torch.max(ax2, bx2) - torch.min(ax1, bx1)
    ch = torch.max(ay2, by2) - torch.min(ay1, by1)
    if kind == 'giou':
        area = cw * ch
        return iou - (area - union) / area
    diag = cw ** 2 + ch ** 2 + eps
    rho2 = ((ax1 + ax2) / 2 - (bx1 + bx2) / 2) ** 2 + ((ay1 + ay2) / 2 - (by1 + by2) / 2) ** 2
    v = (4 / math.pi ** 2) * (torch.atan(aw / ah) - torch.atan(bw / bh)) ** 2
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return iou - rho2 / diag - alpha * v


def iou_matrix(b1, b2):
    lt = torch.max(b1[:, None, :2], b2[None, :, :2])
    rb = torch.min(b1[:, None, 2:], b2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area(b1)[:, None] + area(b2)[None, :] - inter)


def offset(t, scale_xy=1.0):
    s = t.sigmoid()
    return s if scale_xy == 1 else s * scale_xy - (scale_xy - 1) / 2


def anchors_in_grid(scale, dtype, device='cpu'):
    sx, sy = stride_xy(scale)
    return torch.tensor(scale['anchors'], dtype=dtype, device=device) / torch.tensor([sx, sy], dtype=dtype, device=device)


def ignored(head, scale, labels, thresh):
    """[B*na*h*w] bool: unassigned-or-not, the prediction overlaps a label of its image above thresh."""
    with torch.no_grad():
        B, na, h, w, _ = head.shape
        dev = head.device
        gy, gx = torch.meshgrid(torch.arange(h, dtype=head.dtype, device=dev), torch.arange(w, dtype=head.dtype, device=dev), indexing='ij')
        xy = offset(head[..., 0:2], scale.get('scaleXY', 1)) + torch.stack([gx, gy], -1)
        wh = head[..., 2:4].exp() * anchors_in_grid(scale, head.dtype, dev).view(1, na, 1, 1, 2)
        boxes = xywh_to_xyxy(torch.cat([xy, wh], -1)).view(B, -1, 4)
        truth = xywh_to_xyxy(labels[:, 1:5] * torch.tensor([w, h, w, h], dtype=head.dtype, device=dev))
        out = torch.zeros(B, boxes.shape[1], dtype=torch.bool, device=dev)
        for b in range(B):
            mine = truth[labels[:, 0] == b]
            if len(mine):
                out[b] = iou_matrix(boxes[b], mine).max(1).values > thresh
        return out.view(-1)


def yolo_loss(heads, labels, scales, assign_rule='ratio', ratio_threshold=2.0, bbox_loss='mse', mse_wh_divisor=10.0,
              obj_target='1', pos_weight_factor=0.5, ignore_thresh=None, label_smoothing=0.0, gains=(1.0, 1.0, 1.0)):
    """{'total', 'box', 'obj', 'cls', 'indices': (s, n, b, a, i, j)}."""
    dtype, dev = heads[0].dtype, heads[0].device
    labels = labels.to(dev, dtype)
    grids = [(hd.shape[2], hd.shape[3]) for hd in heads]
    s, n, b, a, i, j = assign(labels, grids, scales, assign_rule, ratio_threshold, heads)
    pbox, tbox, logits, classes = [], [], [], []
    for si, head in enumerate(heads):
        m = s == si
        if not m.any():
            continue
        h, w = grids[si]
        bb, aa, jj, ii = b[m], a[m], j[m], i[m]
        pred = head[bb, aa, jj, ii]  # the seed's yhat[b, a, j, i]
        lab = labels[n[m]]
        grid = torch.tensor([w, h], dtype=dtype, device=dev)
        txy = lab[:, 1:3] * grid - torch.stack([ii, jj], 1).to(dtype)  # offset in the cell, grid units
        twh = lab[:, 3:5] * grid
        pxy = offset(pred[:, 0:2], scales[si].get('scaleXY', 1))
        pwh = pred[:, 2:4].exp() * anchors_in_grid(scales[si], dtype, dev)[aa]
        pbox.append(torch.cat([pxy, pwh], 1))
        tbox.append(torch.cat([txy, twh], 1))
        logits.append(pred[:, 5:])
        classes.append(lab[:, 5].long())
    zero = torch.zeros((), dtype=dtype, device=dev)
    box, cls, values = zero, zero, None
    if pbox:
        pbox, tbox, logits, classes = torch.cat(pbox), torch.cat(tbox), torch.cat(logits), torch.cat(classes)
        if bbox_loss == 'mse':
            box = F.mse_loss(pbox[:, :2], tbox[:, :2]) + F.mse_loss(pbox[:, 2:], tbox[:, 2:]) / mse_wh_divisor
            with torch.no_grad():
                iou = paired_iou(xywh_to_xyxy(pbox), xywh_to_xyxy(tbox), 'iou')
        else:
            iou = paired_iou(xywh_to_xyxy(pbox), xywh_to_xyxy(tbox), bbox_loss)
            box = (1 - iou).mean()
        values = iou.detach().clamp(min=0) if obj_target == 'iou' else torch.ones(len(pbox), dtype=dtype, device=dev)
        onehot = F.one_hot(classes, logits.shape[1]).to(dtype)
        if label_smoothing > 0:
            onehot = onehot * (1 - label_smoothing) + label_smoothing / 2
        cls = F.binary_cross_entropy_with_logits(logits, onehot)
    # Objectness over every prediction of every scale, flattened in order.
    obj_logits = torch.cat([hd[..., 4].reshape(-1) for hd in heads])
    n_preds = obj_logits.numel()
    sizes = [hd[..., 4].numel() for hd in heads]
    offsets = torch.tensor([sum(sizes[:k]) for k in range(len(heads))], dtype=torch.long, device=dev)
    na = torch.tensor([hd.shape[1] for hd in heads], device=dev)[s]
    gh = torch.tensor([g[0] for g in grids], device=dev)[s]
    gw = torch.tensor([g[1] for g in grids], device=dev)[s]
    pos = offsets[s] + ((b * na + a) * gh + j) * gw + i
    n_pos = int(pos.unique().numel())
    target = torch.zeros(n_preds, dtype=dtype, device=dev)
    assigned = torch.zeros(n_preds, dtype=torch.bool, device=dev)
    if values is not None:
        target = target.scatter_reduce(0, pos, values, 'amax', include_self=True)  # a cell assigned twice keeps the max
        assigned[pos] = True
    weight = None
    if ignore_thresh is not None and len(labels):
        ign = torch.cat([ignored(hd, scales[k], labels, ignore_thresh) for k, hd in enumerate(heads)])
        weight = (~(ign & ~assigned)).to(dtype)
    pos_weight = torch.tensor([pos_weight_factor * (n_preds - n_pos) / max(n_pos, 1)], dtype=dtype, device=dev)
    obj = F.binary_cross_entropy_with_logits(obj_logits, target, weight=weight, pos_weight=pos_weight)
    total = gains[0] * box + gains[1] * obj + gains[2] * cls
    return {'total': total, 'box': box, 'obj': obj, 'cls': cls, 'indices': (s, n, b, a, i, j)}
