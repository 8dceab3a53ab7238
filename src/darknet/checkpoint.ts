// The project's own checkpoint for a Darknet model: its state dict (every
// parameter and buffer, by name) in the project's tensor file, with the
// .weights header in the metadata so a later saveWeights writes it back.
// Training checkpoints (src/train/checkpoint.ts) are the same file with
// training state added under '@'-prefixed names, so they load here too.
import * as torch from '../torch/index.js';
import type { Darknet, WeightsHeader } from './model.js';
import { loadWeights } from './weights.js';

/** Names no module produces: a training checkpoint's optimizer, EMA and RNG state. */
const TRAINING_STATE_PREFIX = '@';

export function saveCheckpoint(model: Darknet, path: string, metadata: Record<string, string> = {}): void {
  torch.io.saveTensorFile(path, model.stateDict(), { ...metadata, cfg: model.cfg.file, darknetHeader: JSON.stringify(model.header) });
}

/**
 * Loads a checkpoint written by saveCheckpoint, or a training checkpoint's
 * model weights; strict on the model's own names (the same cfg), skipping
 * only the '@' training state. Returns the file's metadata.
 */
export function loadCheckpoint(model: Darknet, path: string): Record<string, string> {
  const file = torch.io.loadTensorFile(path);
  try {
    const own = new Map([...file.tensors].filter(([name]) => !name.startsWith(TRAINING_STATE_PREFIX)));
    try {
      model.loadStateDict(own, { strict: true });
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message} (is it a checkpoint of ${model.cfg.file}?)`);
    }
  } finally {
    torch.dispose(file.tensors);
  }
  if (file.metadata.darknetHeader) model.header = JSON.parse(file.metadata.darknetHeader) as WeightsHeader;
  return file.metadata;
}

/**
 * darknet .weights, or a .safetensors checkpoint (ours or a training run's
 * `last`/`best`), by extension. Returns the checkpoint's metadata ({} for .weights).
 */
export function loadModelFile(model: Darknet, path: string): Record<string, string> {
  const metadata = path.endsWith('.safetensors') ? loadCheckpoint(model, path) : (loadWeights(model, path), {});
  model.weightsFile = path;
  return metadata;
}
