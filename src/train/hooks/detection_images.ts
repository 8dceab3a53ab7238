// The last epoch's evaluation images (options.saveImages of them) with
// their detections drawn, saved as PNGs in the run's detections folder.
import { saveDetectionPngs } from '../draw.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, TrainHook } from './hook.js';

export class DetectionImagesHook implements TrainHook {
  readonly name = 'detectionImages';

  async afterEpoch(ctx: TrainContext, end: EpochEnd): Promise<void> {
    if (end.isLast && end.eval?.kept.length) await saveDetectionPngs(end.eval.kept, ctx.classNames, ctx.paths.detections);
  }
}
