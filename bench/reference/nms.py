"""PyTorch + torchvision side of bench/nms.ts: the same post-processing
(objectness x class score > conf, multi-label or best class, batched_nms,
max detections) on the same predictions, timed the same way. Prints one
JSON object: median seconds and detection counts per mode."""
import json
import sys

import numpy as np
import torch

from timing import median_time  # bench/reference/timing.py (the script's folder is on sys.path)
import torchvision.ops as ops

spec = json.loads(sys.argv[1])
torch.set_num_threads(spec["threads"])
pred = torch.from_numpy(np.fromfile(spec["file"], dtype=np.float32).reshape(spec["shape"]))


def postprocess(x, conf, iou, multi_label, max_det):
    x = x[x[:, 4] > conf]
    b = torch.stack([x[:, 0] - x[:, 2] / 2, x[:, 1] - x[:, 3] / 2, x[:, 0] + x[:, 2] / 2, x[:, 1] + x[:, 3] / 2], 1)
    cls = x[:, 5:] * x[:, 4:5]
    if multi_label:
        i, j = (cls > conf).nonzero(as_tuple=False).T
        b, s, c = b[i], cls[i, j], j
    else:
        s, c = cls.max(1)
        k = s > conf
        b, s, c = b[k], s[k], c[k]
    keep = ops.batched_nms(b, s, c, iou)[:max_det]
    return torch.cat([b[keep], s[keep, None], c[keep, None].float()], 1)


out = {}
for mode in spec["modes"]:
    run = lambda: postprocess(pred[0], spec["conf"], spec["iou"], mode["multiLabel"], spec["maxDet"])
    out[mode["name"]] = {"seconds": median_time(run, spec["repeats"]), "detections": int(run().shape[0])}
print(json.dumps(out))
