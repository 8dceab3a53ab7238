// A second reader of our exports: OpenCV's cv2.dnn.readNetFromONNX loads
// the yolov3-tiny export and its raw heads and decoded predictions equal
// our forward on the same image tensor (1e-4 in activated space / relative
// for boxes, as the onnxruntime parity).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, darknetYoloOutput, parseCfg } from '../../src/darknet/index.js';
import { exportOnnx } from '../../src/export/index.js';
import { hasPython, runPython, sharedPath } from '../support/references.js';
import * as P from '../darknet/parity_support.js';
import { tmpDir, writeModel } from './onnx_support.js';

const TOL = 1e-4;
const SIZE = 416;

const RUN = `
import sys, json, numpy as np, cv2
a = json.load(sys.stdin)
net = cv2.dnn.readNetFromONNX(a['model'])
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setInput(np.fromfile(a['input'], dtype=np.float32).reshape(a['shape']))
names = list(net.getUnconnectedOutLayersNames())
for name, o in zip(names, net.forward(names)):
    np.ascontiguousarray(o, dtype=np.float32).tofile('%s/%s.bin' % (a['dir'], name))
print(json.dumps(names))
`;

test('OpenCV readNetFromONNX runs the yolov3-tiny export: raw heads and decoded predictions equal ours', async (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  if (!cfg || !dog || !hasPython(t, 'cv2', 'numpy')) return;
  const model = new Darknet(parseCfg(readFileSync(cfg, 'utf8'), { file: cfg })).eval();
  P.randomizeWeights(model, 12);
  const { path: input, data } = await P.imageInput(dog, SIZE, SIZE);
  const shape = [1, 3, SIZE, SIZE];
  const x = torch.tensor(data, { shape });
  const heads = torch.noGrad(() => model.forwardHeads(x));
  const pred = torch.noGrad(() => model.predict(x));
  try {
    for (const output of ['raw', 'decoded'] as const) {
      const dir = tmpDir();
      const names = runPython<string[]>(RUN, { model: writeModel(exportOnnx(model, { output })), input, shape, dir });
      if (output === 'raw') {
        assert.deepEqual(names, ['head0', 'head1']);
        heads.forEach((h, i) => {
          const ours = torch.tidy(() => darknetYoloOutput(h).dataSync() as Float32Array);
          const theirs = torch.tidy(() => darknetYoloOutput(torch.tensor(P.readFloats(join(dir, `head${i}.bin`)), { shape: h.shape })).dataSync() as Float32Array);
          const d = P.maxAbsDiff(ours, theirs);
          t.diagnostic(`OpenCV head${i}: max |diff| ${d.toExponential(2)}`);
          assert.ok(d <= TOL, `head${i}: ${d}`);
        });
      } else {
        assert.deepEqual(names, ['predictions']);
        const ours = pred.dataSync() as Float32Array;
        const theirs = P.readFloats(join(dir, 'predictions.bin'));
        assert.equal(theirs.length, ours.length);
        let worst = 0;
        for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / Math.max(1, Math.abs(ours[i])));
        t.diagnostic(`OpenCV predictions: max relative |diff| ${worst.toExponential(2)}`);
        assert.ok(worst <= TOL, `predictions: ${worst}`);
      }
    }
  } finally {
    torch.dispose([x, heads, pred]);
    model.dispose();
  }
});
