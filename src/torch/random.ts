// Random seeds: the global generator (torch.manual_seed) and independent
// generators whose state can be saved in a checkpoint.
import { native, type GeneratorHandle } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's default generator(s), as torch.manual_seed. */
export function manualSeed(seed: number | bigint): void {
  native.manualSeed(seed);
}

/** An independent CPU random generator (torch.Generator().manual_seed(seed)). */
export class Generator {
  readonly handle: GeneratorHandle;
  constructor(seed: number | bigint = 0) {
    this.handle = native.newGenerator(seed);
  }
  /** The generator's state as a uint8 tensor, for checkpoints. */
  getState(): Tensor {
    return new Tensor(native.generatorState(this.handle));
  }
  setState(state: Tensor): void {
    native.setGeneratorState(this.handle, state.handle);
  }
}

/** The default generator's state (torch.get_rng_state). */
export function getRngState(): Tensor {
  return new Tensor(native.generatorState(null));
}
export function setRngState(state: Tensor): void {
  native.setGeneratorState(null, state.handle);
}
