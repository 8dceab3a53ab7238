// Stops training on a non-finite loss with an error that says which loss
// parts went bad and which images were in the batch, so the culprit can be
// found; the trainer must not save `last` after it.
import type { Tensor } from '../torch/index.js';

export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    readonly parts: Record<string, number>,
    readonly badParts: string[],
    readonly imageIds: readonly (string | number)[],
  ) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

export interface GuardContext {
  epoch?: number;
  iteration?: number;
}

/**
 * Throws a NonFiniteLossError unless every part is finite. Parts may be
 * numbers or one-element tensors (read with item()).
 */
export function assertFiniteLoss(parts: Record<string, number | Tensor>, imageIds: readonly (string | number)[], context: GuardContext = {}): void {
  const values: Record<string, number> = {};
  for (const [name, v] of Object.entries(parts)) values[name] = typeof v === 'number' ? v : v.item();
  const bad = Object.keys(values).filter((k) => !Number.isFinite(values[k]));
  if (bad.length === 0) return;
  const where = [context.epoch !== undefined ? `epoch ${context.epoch}` : '', context.iteration !== undefined ? `iteration ${context.iteration}` : '']
    .filter(Boolean)
    .join(', ');
  const all = Object.entries(values).map(([k, v]) => `${k}=${v}`).join(', ');
  const ids = imageIds.length ? imageIds.join(', ') : '(none given)';
  throw new NonFiniteLossError(
    `non-finite loss${where ? ` at ${where}` : ''}: ${bad.join(', ')} (${all}); batch images: ${ids}`,
    values,
    bad,
    imageIds,
  );
}
