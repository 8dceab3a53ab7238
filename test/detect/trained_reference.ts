// The references of the trained-weights detection parity test: C darknet's
// whole pipeline from an image file (as `darknet detector test` runs it) and
// OpenCV DNN (cv2.dnn.readNetFromDarknet) on the network input darknet made.
import type { TestContext } from 'node:test';
import { compileDarknetProgram, runProgram } from '../support/c_program.js';
import { runPython } from '../support/references.js';
import { parseDetections, type CDetection } from './darknet_reference.js';

const SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet.h"

/* cfg weights image letterbox|stretch thresh input_out.bin
   darknet's detector test on one image: load_image_color, letterbox_image (or resize_image),
   network_predict, get_network_boxes(hier .5, relative), do_nms_sort(.45). Writes the network
   input it made to input_out.bin; prints one line per (box, class) above thresh:
   class prob x1 y1 x2 y2 in image pixels (not clipped). */
int main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: cfg weights image letterbox|stretch thresh input_out.bin\n"); return 2; }
  network *net = load_network(argv[1], argv[2], 0);
  set_batch_network(net, 1);
  image im = load_image_color(argv[3], 0, 0);
  int letter = strcmp(argv[4], "letterbox") == 0;
  float thresh = atof(argv[5]);
  image sized = letter ? letterbox_image(im, net->w, net->h) : resize_image(im, net->w, net->h);
  FILE *f = fopen(argv[6], "wb");
  if (!f || fwrite(sized.data, sizeof(float), (size_t)net->w * net->h * 3, f) != (size_t)net->w * net->h * 3) { fprintf(stderr, "cannot write %s\n", argv[6]); return 3; }
  fclose(f);
  network_predict(net, sized.data);
  int n = 0;
  /* letterbox: correct_yolo_boxes undoes the letterbox for an im.w x im.h image; stretch: boxes stay relative to the input */
  detection *dets = get_network_boxes(net, letter ? im.w : net->w, letter ? im.h : net->h, thresh, .5, 0, 1, &n);
  int classes = net->layers[net->n - 1].classes;
  do_nms_sort(dets, n, classes, .45);
  for (int i = 0; i < n; i++) {
    box b = dets[i].bbox;
    for (int k = 0; k < classes; k++) {
      if (dets[i].prob[k] > thresh)
        printf("%d %.7f %.5f %.5f %.5f %.5f\n", k, dets[i].prob[k], (b.x - b.w / 2) * im.w, (b.y - b.h / 2) * im.h, (b.x + b.w / 2) * im.w, (b.y + b.h / 2) * im.h);
    }
  }
  free_detections(dets, n);
  free_image(sized);
  free_image(im);
  free_network(net);
  return 0;
}
`;

/** The compiled darknet pipeline, or null after skipping. */
export function darknetImageReference(t: TestContext): string | null {
  return compileDarknetProgram(t, 'detect_image_reference', SOURCE);
}

/** darknet's detections on an image file; also writes the network input it made to `inputOut`. */
export function darknetDetectImage(exe: string, cfg: string, weights: string, image: string, mode: 'letterbox' | 'stretch', thresh: number, inputOut: string): CDetection[] {
  return parseDetections(runProgram(exe, [cfg, weights, image, mode, String(thresh), inputOut]));
}

export interface OpenCvItem {
  /** float32 CHW network input (as darknet wrote it). */
  input: string;
  mode: 'letterbox' | 'stretch';
  imageWidth: number;
  imageHeight: number;
}

export interface OpenCvResult {
  /** (box, class) pairs above the threshold before NMS, and after per-class NMS. */
  candidates: CDetection[];
  detections: CDetection[];
  /** The names of the output layers OpenCV ran to. */
  outputs: string[];
}

/**
 * OpenCV DNN on the given network inputs: readNetFromDarknet, setInput of the
 * [1, 3, H, W] tensor, forward of the [yolo] outputs. Each output row is
 * cx, cy, w, h relative to the network input, objectness, then objectness x
 * class probability (OpenCV multiplies them). Boxes go to image pixels with
 * darknet's letterbox geometry (letterbox_image's integer size,
 * correct_yolo_boxes' pad) written out here; NMS is torchvision's
 * batched_nms per class on the unclipped boxes, and the boxes are then
 * clipped to the image, as darknet's drawing and our detector do.
 */
export function openCvDetect(cfg: string, weights: string, netWidth: number, netHeight: number, items: OpenCvItem[], conf: number, iou: number): OpenCvResult[] {
  const script = String.raw`
import sys, json
import numpy as np
import cv2, torch, torchvision
A = json.load(sys.stdin)
net = cv2.dnn.readNetFromDarknet(A['cfg'], A['weights'])
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
outs = list(net.getUnconnectedOutLayersNames())
W, H, conf, iou = A['w'], A['h'], A['conf'], A['iou']
res = []
for it in A['items']:
    x = np.fromfile(it['input'], dtype=np.float32).reshape(1, 3, H, W)
    net.setInput(x)
    rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in net.forward(outs)], 0).astype(np.float64)
    iw, ih = it['imageWidth'], it['imageHeight']
    cx, cy, bw, bh = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    if it['mode'] == 'letterbox':
        if W / iw < H / ih:
            nw, nh = W, (ih * W) // iw
        else:
            nw, nh = (iw * H) // ih, H
        cx = (cx - (W - nw) / 2.0 / W) / (nw / W)
        cy = (cy - (H - nh) / 2.0 / H) / (nh / H)
        bw = bw * W / nw
        bh = bh * H / nh
    boxes = np.stack([(cx - bw / 2) * iw, (cy - bh / 2) * ih, (cx + bw / 2) * iw, (cy + bh / 2) * ih], 1)
    scores = rows[:, 5:]
    i, k = np.nonzero(scores > conf)
    b = torch.from_numpy(boxes[i]); s = torch.from_numpy(scores[i, k]); c = torch.from_numpy(k)
    keep = torchvision.ops.batched_nms(b, s, c, iou).numpy()
    def dets(idx):
        out = []
        for j in idx:
            bx = boxes[i[j]]
            clip = [min(max(bx[0], 0), iw), min(max(bx[1], 0), ih), min(max(bx[2], 0), iw), min(max(bx[3], 0), ih)]
            out.append({'classId': int(k[j]), 'score': float(scores[i[j], k[j]]), 'box': [float(v) for v in clip]})
        return out
    res.append({'candidates': dets(range(len(i))), 'detections': dets(keep), 'outputs': outs})
print(json.dumps(res))
`;
  return runPython<OpenCvResult[]>(script, { cfg, weights, w: netWidth, h: netHeight, items, conf, iou });
}
