// The project's own checkpoint for a Darknet model: its state dict (every
// parameter and buffer, by name) in the project's tensor file, with the
// .weights header in the metadata so a later saveWeights writes it back.
import * as torch from '../torch/index.js';
import type { Darknet, WeightsHeader } from './model.js';

export function saveCheckpoint(model: Darknet, path: string, metadata: Record<string, string> = {}): void {
  torch.io.saveTensorFile(path, model.stateDict(), { ...metadata, cfg: model.cfg.file, darknetHeader: JSON.stringify(model.header) });
}

/** Loads a checkpoint written by saveCheckpoint (strict: the same cfg); returns its metadata. */
export function loadCheckpoint(model: Darknet, path: string): Record<string, string> {
  const file = torch.io.loadTensorFile(path);
  try {
    model.loadStateDict(file.tensors, { strict: true });
  } finally {
    torch.dispose(file.tensors);
  }
  if (file.metadata.darknetHeader) model.header = JSON.parse(file.metadata.darknetHeader) as WeightsHeader;
  return file.metadata;
}
