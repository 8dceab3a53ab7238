// Tensors computed once from a module's parameters for inference (folded
// batch norms, weights in another memory format) and recomputed only when a
// source changes. A change is a replaced tensor (Module.to) or an in-place
// write to it: loaded weights, an optimizer or EMA step all move the
// tensor's version counter, which every view shares.
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

export class DerivedTensors<T extends Record<string, Tensor>> {
  #sources: Tensor[] = [];
  #versions: number[] = [];
  #value: T | null = null;

  constructor(readonly build: () => T) {}

  /** The derived tensors of `sources` as they are now (owned by this cache: do not dispose). */
  get(sources: Tensor[]): T {
    // the same tensors first (cheap), then their versions in one native call
    const same = this.#value !== null && sources.length === this.#sources.length && sources.every((s, i) => s === this.#sources[i]);
    if (same && torch.tensorVersions(sources).every((v, i) => v === this.#versions[i])) return this.#value!;
    this.dispose();
    const value = torch.keep(torch.noGrad(() => this.build()));
    this.#sources = sources;
    this.#versions = torch.tensorVersions(sources);
    this.#value = value;
    return value;
  }

  /** Frees the derived tensors (the next get rebuilds them). */
  dispose(): void {
    if (this.#value) torch.dispose(this.#value);
    this.#value = null;
    this.#sources = [];
  }
}
