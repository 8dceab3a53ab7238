// The main job's settings: the small cfg (cfg/shapes-tiny.cfg, 3 classes,
// 256 px) trained on generated Shapes, evaluated on held-out Shapes images
// (a different seed), with a few drawn detections saved. Sized for a few
// minutes on 2 CPU cores.
import { fileURLToPath } from 'node:url';
import type { TrainOptions } from './options.js';

/** cfg/shapes-tiny.cfg in the repository (from src/train or dist/src/train). */
export function shapesTinyCfg(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes('/dist/') ? '../../../' : '../../';
  return fileURLToPath(new URL(`${up}cfg/shapes-tiny.cfg`, import.meta.url));
}

export function shapesPreset(): Partial<TrainOptions> & Pick<TrainOptions, 'cfg' | 'data'> {
  return {
    cfg: shapesTinyCfg(),
    data: 'shapes:800',
    imgSize: 256,
    batchSize: 16,
    epochs: 10,
    augment: false,
    optimizer: 'adam',
    lr0: 1e-4,
    peakLr: 2e-3,
    warmupIters: 100,
    weightDecay: 5e-4,
    bboxLoss: 'ciou',
    objTarget: 'iou',
    assign: 'ratio',
    maxValSamples: 200,
    evalInterval: 2,
    saveImages: 6,
    project: 'runs/train',
    name: 'shapes',
  };
}
