// The C darknet side of the detection parity tests: its resize and
// letterbox on our decoded pixels, and its detections (network_predict,
// get_network_boxes, do_nms_sort) on our input tensor.
import type { TestContext } from 'node:test';
import { compileDarknetProgram, runProgram } from '../support/c_program.js';

const SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet.h"

static float *read_floats(const char *path, size_t n) {
  float *p = malloc(n * sizeof(float));
  FILE *f = fopen(path, "rb");
  if (!f || fread(p, sizeof(float), n, f) != n) { fprintf(stderr, "cannot read %s\n", path); exit(3); }
  fclose(f);
  return p;
}

/* resize|letterbox in.bin w h outW outH out.bin : darknet's image functions on CHW floats */
static int run_resize(char **argv) {
  int w = atoi(argv[3]), h = atoi(argv[4]), ow = atoi(argv[5]), oh = atoi(argv[6]);
  image im = make_image(w, h, 3);
  float *data = read_floats(argv[2], (size_t)w * h * 3);
  memcpy(im.data, data, (size_t)w * h * 3 * sizeof(float));
  image out = strcmp(argv[1], "letterbox") == 0 ? letterbox_image(im, ow, oh) : resize_image(im, ow, oh);
  FILE *f = fopen(argv[7], "wb");
  fwrite(out.data, sizeof(float), (size_t)out.w * out.h * out.c, f);
  fclose(f);
  return 0;
}

/* detect cfg weights input.bin boxW boxH scaleW scaleH thresh : one line per (box, class) above thresh:
   class prob x1 y1 x2 y2, boxes from get_network_boxes(boxW, boxH, relative) times scaleW, scaleH */
static int run_detect(char **argv) {
  network *net = load_network(argv[2], argv[3], 0);
  set_batch_network(net, 1);
  float *in = read_floats(argv[4], (size_t)net->w * net->h * net->c);
  int bw = atoi(argv[5]), bh = atoi(argv[6]);
  float sw = atof(argv[7]), sh = atof(argv[8]), thresh = atof(argv[9]);
  network_predict(net, in);
  int n = 0;
  detection *dets = get_network_boxes(net, bw, bh, thresh, .5, 0, 1, &n);
  int classes = net->layers[net->n - 1].classes;
  do_nms_sort(dets, n, classes, .45);
  for (int i = 0; i < n; i++) {
    box b = dets[i].bbox;
    for (int k = 0; k < classes; k++) {
      if (dets[i].prob[k] > thresh)
        printf("%d %.6f %.4f %.4f %.4f %.4f\n", k, dets[i].prob[k], (b.x - b.w / 2) * sw, (b.y - b.h / 2) * sh, (b.x + b.w / 2) * sw, (b.y + b.h / 2) * sh);
    }
  }
  free_detections(dets, n);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 8 && (strcmp(argv[1], "resize") == 0 || strcmp(argv[1], "letterbox") == 0)) return run_resize(argv);
  if (argc >= 10 && strcmp(argv[1], "detect") == 0) return run_detect(argv);
  fprintf(stderr, "usage: resize|letterbox ... | detect ...\n");
  return 2;
}
`;

export function darknetReference(t: TestContext): string | null {
  return compileDarknetProgram(t, 'detect_reference', SOURCE);
}

export interface CDetection { classId: number; score: number; box: [number, number, number, number] }

export function parseDetections(stdout: string): CDetection[] {
  return stdout.trim().split('\n').filter((l) => l).map((l) => {
    const [k, p, x1, y1, x2, y2] = l.split(' ').map(Number);
    return { classId: k, score: p, box: [x1, y1, x2, y2] };
  });
}

export { runProgram };
