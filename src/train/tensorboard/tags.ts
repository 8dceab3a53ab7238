// The scalar tags the series logs, in one place: per-iteration ("i") and
// per-epoch ("e") losses, learning rate and mAP.
import type { EventWriter } from './writer.js';

export const TAGS = {
  iteration: {
    bbox: 'iLoss/train_bbox',
    obj: 'iLoss/train_obj',
    cls: 'iLoss/train_cls',
    loss: 'iLoss/train_loss',
    lr: 'iLearning_rate/lr',
  },
  epoch: {
    bbox: 'eLoss/train_bbox',
    obj: 'eLoss/train_obj',
    cls: 'eLoss/train_cls',
    loss: 'eLoss/train_loss',
    lr: 'eLearning_rate/lr',
    map: 'emAP/map',
  },
} as const;

export interface LossParts {
  bbox: number;
  obj: number;
  cls: number;
  loss: number;
}

/** Per-iteration scalars; `iteration` counts optimizer iterations from 0 across epochs. */
export function logIteration(writer: EventWriter, iteration: number, losses: LossParts, lr: number): void {
  const t = TAGS.iteration;
  for (const key of ['bbox', 'obj', 'cls', 'loss'] as const) writer.addScalar(t[key], losses[key], iteration);
  writer.addScalar(t.lr, lr, iteration);
}

/**
 * Per-epoch scalars: mean losses over the epoch, the last LR, and mAP when it
 * was evaluated. `epoch` is 0-based; the step written is epoch + 1, as the
 * series' `add_scalar(..., ee + 1)`, so the first epoch is step 1 in
 * TensorBoard and both runs' curves line up.
 */
export function logEpoch(writer: EventWriter, epoch: number, losses: LossParts, lr: number, map?: number): void {
  for (const { tag, value } of epochScalars(losses, lr, map)) writer.addScalar(tag, value, epoch + 1);
}

/** The per-epoch scalars logEpoch writes, one event each, in this order. */
export function epochScalars(losses: LossParts, lr: number, map?: number): { tag: string; value: number }[] {
  const t = TAGS.epoch;
  const out: { tag: string; value: number }[] = (['bbox', 'obj', 'cls', 'loss'] as const).map((key) => ({ tag: t[key], value: losses[key] }));
  out.push({ tag: t.lr, value: lr });
  if (map !== undefined) out.push({ tag: t.map, value: map });
  return out;
}
