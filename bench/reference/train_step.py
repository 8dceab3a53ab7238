"""PyTorch reference of one training step, for bench/train.ts: a plain
nn.Module built from the same darknet cfg, the same darknet .weights, the
loss of test/yolo/reference/yolo_loss.py (the loss tests' reference) with the same options and torch.optim.Adam with the
same two parameter groups (weight decay on conv weights only).

Usage: train_step.py '<json>' with {cfg, weights, images, labels, threads,
lr, weightDecay, loss: {bboxLoss, objTarget, assign}, device?} (device: 'cpu'
by default, or 'cuda:N': the model and images there, the step synchronised
before its end is timed). It then reads commands
from stdin, one a line, and answers each with one JSON line:
  step  -> {"seconds", "cpuSeconds", "parts": {forward, loss, backward, optimizer}, "loss": {box, obj, cls, total}}
  quit  -> {"maxRssMb"} and exits (so does end of input)
"""
import json
import math
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'yolo', 'reference'))
from yolo_loss import yolo_loss  # noqa: E402

DARKNET_BN_EPS = 1e-6  # darknet's epsilon, as src/darknet/conv_block.ts
BN_MOMENTUM = 0.1  # the trainer's training momentum


def peak_rss_mb():
    # VmHWM starts afresh at exec; ru_maxrss is carried over from the parent (see bench/train_step.ts)
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_cfg(path):
    """[(section name, {key: value string})] in file order."""
    sections = []
    for line in open(path):
        line = line.split('#')[0].strip()
        if not line:
            continue
        if line.startswith('['):
            sections.append((line[1:-1].strip(), {}))
        else:
            key, value = line.split('=', 1)
            sections[-1][1][key.strip()] = value.strip()
    return sections


def ints(text):
    return [int(v) for v in text.split(',') if v.strip()]


class MaxPoolDarknet(nn.Module):
    """darknet pads floor(padding/2) before and the rest after, with -inf (yolov3-tiny's size 2 stride 1)."""

    def __init__(self, size, stride, padding):
        super().__init__()
        self.size, self.stride = size, stride
        self.before, self.after = padding // 2, padding - padding // 2

    def forward(self, x):
        if self.before or self.after:
            x = F.pad(x, (self.before, self.after, self.before, self.after), value=float('-inf'))
        return F.max_pool2d(x, self.size, self.stride)


class Darknet(nn.Module):
    """Layers of a yolov3-style cfg; forward returns the raw heads [B, na, h, w, 5 + nc]."""

    def __init__(self, cfg_path):
        super().__init__()
        sections = read_cfg(cfg_path)
        channels = [int(sections[0][1].get('channels', 3))]
        self.specs, self.blocks = [], nn.ModuleList()
        for i, (name, o) in enumerate(sections[1:]):
            spec, block, c = {'type': name}, nn.Identity(), channels[-1]
            if name == 'convolutional':
                size, filters, bn = int(o.get('size', 1)), int(o['filters']), o.get('batch_normalize') == '1'
                pad = size // 2 if o.get('pad') == '1' else int(o.get('padding', 0))
                block = nn.Sequential()
                block.add_module('conv', nn.Conv2d(c, filters, size, int(o.get('stride', 1)), pad, groups=int(o.get('groups', 1)), bias=not bn))
                if bn:
                    block.add_module('bn', nn.BatchNorm2d(filters, eps=DARKNET_BN_EPS, momentum=BN_MOMENTUM))
                activation = o.get('activation', 'logistic')
                if activation == 'leaky':
                    block.add_module('act', nn.LeakyReLU(0.1, inplace=True))
                elif activation != 'linear':
                    raise ValueError(f'layer {i}: activation {activation} not in this reference')
                c = filters
            elif name == 'shortcut':
                spec['from'] = i + int(o['from']) if int(o['from']) < 0 else int(o['from'])
                assert o.get('activation', 'linear') == 'linear', 'shortcut activation'
            elif name == 'route':
                spec['layers'] = [i + l if l < 0 else l for l in ints(o['layers'])]
                c = sum(channels[l + 1] for l in spec['layers'])
            elif name == 'upsample':
                spec['stride'] = int(o.get('stride', 2))
            elif name == 'maxpool':
                stride = int(o.get('stride', 1))
                size = int(o.get('size', stride))
                block = MaxPoolDarknet(size, stride, int(o.get('padding', size - 1)))
            elif name == 'yolo':
                anchors = ints(o['anchors'].replace(' ', ''))
                spec['anchors'] = [[anchors[2 * m], anchors[2 * m + 1]] for m in ints(o['mask'])]
            else:
                raise ValueError(f'layer {i}: [{name}] not in this reference')
            self.specs.append(spec)
            self.blocks.append(block)
            channels.append(c)
        self.routed = {s['from'] for s in self.specs if 'from' in s} | {l for s in self.specs for l in s.get('layers', [])}

    def forward(self, x):
        outs, heads = {}, []
        for i, (spec, block) in enumerate(zip(self.specs, self.blocks)):
            kind = spec['type']
            if kind == 'shortcut':
                x = x + outs[spec['from']]
            elif kind == 'route':
                parts = [outs[l] for l in spec['layers']]
                x = parts[0] if len(parts) == 1 else torch.cat(parts, 1)
            elif kind == 'upsample':
                x = F.interpolate(x, scale_factor=spec['stride'], mode='nearest')
            elif kind == 'yolo':
                b, c, h, w = x.shape
                na = len(spec['anchors'])
                heads.append(x.view(b, na, c // na, h, w).permute(0, 1, 3, 4, 2).contiguous())
            else:
                x = block(x)
            if i in self.routed:
                outs[i] = x
        return heads

    def scales(self, heads, width, height):
        yolo = [s for s in self.specs if s['type'] == 'yolo']
        return [{'anchors': s['anchors'], 'stride': [width / h.shape[3], height / h.shape[2]], 'scaleXY': 1} for s, h in zip(yolo, heads)]

    def load_darknet_weights(self, path):
        """darknet .weights: header, then per conv layer (bn beta, gamma, mean, var | bias), kernels."""
        data = open(path, 'rb').read()
        major, minor, _ = struct.unpack('<3i', data[:12])
        at = 20 if major * 10 + minor >= 2 and major < 1000 and minor < 1000 else 16
        values = np.frombuffer(data, dtype='<f4', offset=at)
        k = 0
        with torch.no_grad():
            for block in self.blocks:
                if not isinstance(block, nn.Sequential):
                    continue
                conv = block.conv
                targets = [block.bn.bias, block.bn.weight, block.bn.running_mean, block.bn.running_var] if hasattr(block, 'bn') else [conv.bias]
                for t in targets + [conv.weight]:
                    t.copy_(torch.from_numpy(values[k:k + t.numel()].copy()).view_as(t))
                    k += t.numel()
        assert k == len(values), f'{path}: {len(values) - k} values left over'


def decay_groups(model, weight_decay):
    """As src/train/optimizer.ts splitDecay: decay on conv weights, none on BN weights and biases."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith('.bias') or p.ndim == 1 else decay).append(p)
    return [{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0.0}]


def main():
    a = json.loads(sys.argv[1])
    torch.set_num_threads(a['threads'])
    model = Darknet(a['cfg'])
    model.load_darknet_weights(a['weights'])
    device = torch.device(a.get('device', 'cpu'))
    model.to(device).train()
    images = torch.from_numpy(np.load(a['images'])).to(device)
    labels = torch.from_numpy(np.load(a['labels']))
    loss_options = {'bbox_loss': a['loss']['bboxLoss'], 'obj_target': a['loss']['objTarget'], 'assign_rule': a['loss']['assign']}
    optimizer = torch.optim.Adam(decay_groups(model, a['weightDecay']), lr=a['lr'])
    scales = None

    def step():
        nonlocal scales
        c0 = time.process_time()
        t0 = time.perf_counter()
        heads = model(images)
        t1 = time.perf_counter()
        scales = scales or model.scales(heads, images.shape[3], images.shape[2])
        r = yolo_loss(heads, labels, scales, **loss_options)
        # a diverged loss as null: json.dumps would write NaN, which is not JSON
        loss = {k: float(r[k]) if math.isfinite(float(r[k])) else None for k in ['box', 'obj', 'cls', 'total']}
        t2 = time.perf_counter()
        r['total'].backward()
        t3 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        t4 = time.perf_counter()
        parts = {'forward': t1 - t0, 'loss': t2 - t1, 'backward': t3 - t2, 'optimizer': t4 - t3}
        return {'seconds': t4 - t0, 'cpuSeconds': time.process_time() - c0, 'parts': parts, 'loss': loss}

    for command in sys.stdin:
        command = command.strip()
        if command == 'quit':
            break
        if command != 'step':
            raise ValueError(f'unknown command {command!r}')
        print(json.dumps(step()), flush=True)
    print(json.dumps({'maxRssMb': peak_rss_mb()}), flush=True)


if __name__ == '__main__':
    main()
