"""OpenCV DNN side of bench/detect.ts: the same cfg and weights, the same
thread count; times blob + forward + box decoding + NMS per batch and prints
JSON: {batch: [seconds of each repeat]}."""
import json
import sys

import cv2
import numpy as np

from timing import run_times  # bench/reference/timing.py (the script's folder is on sys.path)

spec = json.loads(sys.argv[1])
cv2.setNumThreads(spec["threads"])
net = cv2.dnn.readNetFromDarknet(spec["cfg"], spec["weights"])
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
names = net.getUnconnectedOutLayersNames()
image = cv2.imread(spec["image"])
size = spec["size"]


def detect(batch):
    blob = cv2.dnn.blobFromImages([image] * batch, 1 / 255.0, (size, size), swapRB=True, crop=False)
    net.setInput(blob)
    outs = net.forward(names)
    for b in range(batch):
        rows = np.concatenate([o[b] if o.ndim == 3 else o for o in outs]) if outs[0].ndim == 3 else np.concatenate(outs)
        scores = rows[:, 5:] * rows[:, 4:5]
        cls = scores.argmax(1)
        conf = scores[np.arange(len(rows)), cls]
        keep = conf > 0.25
        boxes = rows[keep, :4] * [image.shape[1], image.shape[0], image.shape[1], image.shape[0]]
        ltwh = np.column_stack([boxes[:, 0] - boxes[:, 2] / 2, boxes[:, 1] - boxes[:, 3] / 2, boxes[:, 2], boxes[:, 3]])
        cv2.dnn.NMSBoxesBatched(ltwh.tolist(), conf[keep].tolist(), cls[keep].tolist(), 0.25, 0.45) if len(ltwh) else None


# one warm-up per batch size, then each repeat's seconds
print(json.dumps({str(b): run_times(lambda: detect(b), spec["repeats"], 1) for b in spec["batches"]}))
