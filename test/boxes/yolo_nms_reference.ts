// The YOLO NMS pipeline in PyTorch + torchvision (conf on obj x cls, best
// class or multi-label, batched or agnostic nms, maxDetections) and the
// option sets it is compared on: the reference of both nonMaxSuppression
// (libtorch) and nonMaxSuppressionPlain (typed arrays).
import type { YoloNmsOptions } from '../../src/boxes/index.js';

export const REF = `
import json, sys, torch, torchvision.ops as ops
d = json.load(sys.stdin)
pred = torch.tensor(d['pred'], dtype=torch.float32)
out = []
for o in d['options']:
    conf, res = o['confThreshold'], []
    for x in pred:
        x = x[x[:, 4] > conf]
        b = torch.stack([x[:, 0] - x[:, 2] / 2, x[:, 1] - x[:, 3] / 2, x[:, 0] + x[:, 2] / 2, x[:, 1] + x[:, 3] / 2], 1)
        cls = x[:, 5:] * x[:, 4:5]
        if o.get('multiLabel'):
            i, j = (cls > conf).nonzero(as_tuple=False).T
            b, s, c = b[i], cls[i, j], j
        else:
            s, c = cls.max(1)
            k = s > conf
            b, s, c = b[k], s[k], c[k]
        if o.get('classes') is not None:
            k = (c[:, None] == torch.tensor(o['classes'])).any(1)
            b, s, c = b[k], s[k], c[k]
        keep = ops.nms(b, s, o['iouThreshold']) if o.get('agnostic') else ops.batched_nms(b, s, c, o['iouThreshold'])
        keep = keep[:o['maxDetections']]
        res.append(torch.cat([b[keep], s[keep, None], c[keep, None].float()], 1).tolist())
    out.append(res)
print(json.dumps(out))
`;

export const OPTIONS: (YoloNmsOptions & { confThreshold: number; iouThreshold: number; maxDetections: number })[] = [
  { confThreshold: 0.25, iouThreshold: 0.45, maxDetections: 300 },
  { confThreshold: 0.001, iouThreshold: 0.6, maxDetections: 300, multiLabel: true },
  { confThreshold: 0.05, iouThreshold: 0.5, maxDetections: 20, agnostic: true },
  { confThreshold: 0.01, iouThreshold: 0.45, maxDetections: 300, multiLabel: true, classes: [0, 3] },
];
