"""PyTorch eager side of bench/detect.ts: the same cfg and darknet .weights
(train_step.py's model of the cfg), no_grad, channels-last; letterbox with
cv2.resize, forward, head decoding and torchvision's batched_nms per image,
timed as our detect (JPEG decoding outside). Prints JSON: {batch: [seconds
of each repeat]}. Optional in the spec: device ('cuda:N': model and batch
there, synchronised before each time is read), and an image given as .npy
(H x W x 3 uint8 RGB) instead of a JPEG."""
import json
import os
import sys

import cv2
import numpy as np
import torch
import torchvision.ops as ops

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import Darknet  # noqa: E402
from timing import run_times  # noqa: E402

spec = json.loads(sys.argv[1])
torch.set_num_threads(spec["threads"])
model = Darknet(spec["cfg"])
model.load_darknet_weights(spec["weights"])
device = torch.device(spec.get("device", "cpu"))
model = model.eval().to(device, memory_format=torch.channels_last)
image = np.load(spec["image"]) if spec["image"].endswith(".npy") else cv2.cvtColor(cv2.imread(spec["image"]), cv2.COLOR_BGR2RGB)
size = spec["size"]


def letterbox(img):
    h, w = img.shape[:2]
    s = min(size / w, size / h)
    nw, nh = int(w * s), int(h * s)
    out = np.full((size, size, 3), 0.5, np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255
    return out


def decode(heads):
    rows = []
    for raw, sc in zip(heads, model.scales(heads, size, size)):
        b, na, h, w, k = raw.shape
        gy, gx = torch.meshgrid(torch.arange(h, device=device), torch.arange(w, device=device), indexing="ij")
        grid = torch.stack([gx, gy], -1).view(1, 1, h, w, 2)
        anchors = torch.tensor(sc["anchors"], dtype=torch.float32, device=device).view(1, na, 1, 1, 2)
        xy = (raw[..., :2].sigmoid() + grid) * torch.tensor(sc["stride"], device=device)
        wh = raw[..., 2:4].exp() * anchors
        rows.append(torch.cat([xy, wh, raw[..., 4:].sigmoid()], -1).view(b, -1, k))
    return torch.cat(rows, 1)


def detect(batch):
    x = torch.from_numpy(np.stack([letterbox(image)] * batch)).permute(0, 3, 1, 2).to(device).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        pred = decode(model(x))
        for p in pred:
            p = p[p[:, 4] > 0.25]
            scores, cls = (p[:, 5:] * p[:, 4:5]).max(1)
            keep = scores > 0.25
            p, scores, cls = p[keep], scores[keep], cls[keep]
            boxes = torch.cat([p[:, :2] - p[:, 2:4] / 2, p[:, :2] + p[:, 2:4] / 2], 1)
            ops.batched_nms(boxes, scores, cls, 0.45)[:300]
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# one warm-up per batch size, then each repeat's seconds
print(json.dumps({str(b): run_times(lambda: detect(b), spec["repeats"], 1) for b in spec["batches"]}))
