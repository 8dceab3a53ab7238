// A dependent project's TypeScript (test/package/pack.test.ts type-checks it
// in an empty project that installed the packed tarball): the documented
// API through the package's `exports` and its .d.ts, and misuses that must
// not compile (each @ts-expect-error fails the check if its line compiles,
// so the types are real, not `any`). Never run.
import {
  Detector, Darknet, loadWeights, saveWeights, train, evaluateCoco, evaluateVoc, evaluateDetector, originalFrameBatches,
  openDataset, shapesDataset, iouMatrix, nms, nonMaxSuppression, iou, xywhToXyxy, saveOnnx, startServer, torch, nn,
  type Detection, type TrainResult, type CocoResult,
} from 'yolov3-ts';
import { Detector as OnnxDetector, type DetectionResult } from 'yolov3-ts/deploy';
// @ts-expect-error not exported
import { NoSuchName } from 'yolov3-ts';

export async function consumer(): Promise<number> {
  const detector = Detector.fromDarknet({ cfg: 'yolov3.cfg', weights: 'yolov3.weights', names: 'coco.names' });
  const [a]: DetectionResult[] = await detector.detect(['dog.jpg'], { conf: 0.25 });
  const first: Detection | undefined = a.detections[0];
  // @ts-expect-error className is a string
  const wrong: number = a.detections[0].className;
  // @ts-expect-error conf is a number
  await detector.detect('dog.jpg', { conf: 'high' });
  detector.dispose();

  const onnx = await OnnxDetector.fromOnnx('yolov3.onnx');
  await onnx.dispose();
  const model = Darknet.fromFile('yolov3.cfg');
  saveWeights(model, 'a.weights');
  loadWeights(model, 'a.weights');
  saveOnnx(model, 'a.onnx', { names: ['a'] });
  const ds = await openDataset('shapes:4');
  const result = await evaluateDetector(model, originalFrameBatches(ds, { size: 416, resize: 'letterbox', batchSize: 2 }));
  model.dispose();
  // @ts-expect-error cfg and data are required
  await train({ epochs: 1 });
  const run: TrainResult = await train({ cfg: 'yolov3-tiny.cfg', data: 'coco128.yaml', epochs: 1, imgSize: 416 });
  const coco: CocoResult = evaluateCoco([], []);
  const voc = evaluateVoc([], []);
  const server = await startServer({ model: 'a.onnx', port: 0 });
  await server.close();
  const kept = torch.tidy(() => {
    const boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10]]);
    const keep = nms(boxes, torch.tensor([0.9, 0.8]), 0.5);
    return iouMatrix(boxes, boxes).shape[0] + keep.shape[0];
  });
  const layer = new nn.Conv2d(3, 16, 3, { padding: 1 });
  layer.dispose();
  void nonMaxSuppression;
  void shapesDataset;
  return (first?.score ?? 0) + run.bestMap50 + coco.statsArray[0] + voc.map + result.map50 + kept + iou([0, 0, 1, 1], xywhToXyxy([0.5, 0.5, 1, 1])) + wrong + (NoSuchName ? 1 : 0);
}
