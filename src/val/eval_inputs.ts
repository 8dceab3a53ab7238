// Evaluation batches prepared as darknet (and `yolov3 detect`) prepares its
// input: each image decoded at full size, resized by darknet's letterbox or
// stretch (src/detect/preprocess.ts); ground truth in original image pixels,
// and detections mapped back there with the same geometry, so COCO's area
// ranges and a --save-json file are in the dataset's own coordinates.
import * as torch from '../torch/index.js';
import { loadSample, type Dataset, type Sample } from '../data/index.js';
import { prepareInput, toOriginal, type InputGeometry, type ResizeMode } from '../detect/preprocess.js';
import type { GroundTruth } from '../eval/index.js';
import type { EvalBatch } from './evaluate.js';

export interface OriginalFrameOptions {
  /** Square network input size (a multiple of 32). */
  size: number;
  resize: ResizeMode;
  batchSize: number;
  /** First n images only (0: all). */
  maxSamples?: number;
}

interface Prepared {
  imageId: string;
  data: Float32Array;
  geometry: InputGeometry;
  truth: GroundTruth[];
}

/** [n, 5] cls, x, y, w, h (normalised) rows as ground truth in pixels of a width x height image. */
function truthInPixels(sample: Sample, width: number, height: number): GroundTruth[] {
  const out: GroundTruth[] = [];
  let n = 0; // the row's index in sample.areas (labels, then ignored)
  const add = (rows: Float32Array, flag?: (k: number) => Partial<GroundTruth>) => {
    for (let i = 0, k = 0; i < rows.length; i += 5, k++, n++) {
      const [c, x, y, w, h] = rows.subarray(i, i + 5);
      const area = sample.areas ? { area: sample.areas[n] } : {};
      out.push({ imageId: sample.imageId, box: [(x - w / 2) * width, (y - h / 2) * height, (x + w / 2) * width, (y + h / 2) * height], category: c, ...area, ...flag?.(k) });
    }
  };
  add(sample.labels);
  add(sample.ignored, (k) => (sample.ignoredKind[k] === 'crowd' ? { iscrowd: true } : { difficult: true }));
  return out;
}

async function prepare(sample: Sample, o: OriginalFrameOptions): Promise<Prepared> {
  const { img } = await loadSample(sample); // full size: the geometry maps back to these pixels
  const { data, geometry } = prepareInput(img, o.size, o.size, o.resize);
  return { imageId: sample.imageId, data, geometry, truth: truthInPixels(sample, img.width, img.height) };
}

/** The dataset's images as EvalBatches in original pixels; the next batch is decoded while one is evaluated. */
export async function* originalFrameBatches(ds: Dataset, o: OriginalFrameOptions): AsyncGenerator<EvalBatch> {
  if (o.size % 32 !== 0) throw new Error(`image size ${o.size} is not a multiple of 32`);
  if (!(o.batchSize >= 1)) throw new Error(`batch size must be >= 1, got ${o.batchSize}`);
  const samples = o.maxSamples ? ds.samples.slice(0, o.maxSamples) : ds.samples;
  const load = (start: number) => Promise.all(samples.slice(start, start + o.batchSize).map((s) => prepare(s, o)));
  let next = samples.length ? load(0) : undefined;
  for (let start = 0; next; start += o.batchSize) {
    const items = await next;
    next = start + o.batchSize < samples.length ? load(start + o.batchSize) : undefined;
    next?.catch(() => {}); // surfaced when awaited; not an unhandled rejection meanwhile
    const plane = 3 * o.size * o.size;
    const pixels = new Float32Array(items.length * plane);
    items.forEach((p, b) => pixels.set(p.data, b * plane));
    const images = torch.tensor(pixels, { shape: [items.length, 3, o.size, o.size] });
    yield {
      images,
      imageIds: items.map((p) => p.imageId),
      truth: items.flatMap((p) => p.truth),
      toFrame: (box, b) => toOriginal(box, items[b].geometry),
      dispose: () => images.dispose(),
    };
  }
}
