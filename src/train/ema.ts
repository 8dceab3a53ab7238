// Exponential moving average of a model's weights, as ultralytics' ModelEMA:
// after each optimizer step, ema = d * ema + (1 - d) * weights with
// d = decay * (1 - exp(-updates / tau)), so early updates (small d) follow
// the fast-moving weights closely and later ones average over ~1/(1-decay)
// steps. Parameters are averaged; buffers (BatchNorm running statistics,
// counters) are copied from the model by default, since they are already
// averages, and integer tensors are always copied.
import * as torch from '../torch/index.js';
import type { Module, StateDict } from '../nn/module.js';

export interface EmaOptions {
  /** Asymptotic decay (default 0.9999). */
  decay?: number;
  /** Warm-up time constant in updates (default 2000). */
  tau?: number;
  /** Updates already done (when resuming). */
  updates?: number;
  /** Also average floating buffers, as ultralytics does (default false: copy them). */
  averageBuffers?: boolean;
}

export class ModelEMA {
  readonly decay: number;
  readonly tau: number;
  updates: number;
  readonly #shadow: StateDict = new Map();
  readonly #averaged = new Set<string>();

  /** Starts from a copy of `model`'s current state, on the model's devices. */
  constructor(model: Module, options: EmaOptions = {}) {
    this.decay = options.decay ?? 0.9999;
    this.tau = options.tau ?? 2000;
    this.updates = options.updates ?? 0;
    const params = new Set(model.namedParameters().map(([k]) => k));
    torch.noGrad(() => {
      for (const [k, t] of model.stateDict()) {
        this.#shadow.set(k, torch.keep(torch.tidy(() => t.detach().clone())));
        if (torch.isFloating(t.dtype) && (params.has(k) || options.averageBuffers)) this.#averaged.add(k);
      }
    });
  }

  /** The decay used for the `updates`-th update (1-based). */
  decayAt(updates: number): number {
    return this.decay * (1 - Math.exp(-updates / this.tau));
  }

  /** Folds the model's current weights in; call after each optimizer step. */
  update(model: Module): void {
    const d = this.decayAt(++this.updates);
    const msd = model.stateDict();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const [k, v] of this.#shadow) {
          const src = msd.get(k);
          if (!src) throw new Error(`ModelEMA.update: the model has no '${k}'`);
          if (this.#averaged.has(k)) v.mul_(d).add_(src, 1 - d);
          else v.copy_(src);
        }
      }),
    );
  }

  /** The averaged state, as live references (for checkpoints and evaluation). */
  stateDict(): StateDict {
    return new Map(this.#shadow);
  }

  /** Restores a saved average (copies the values) and its update count. */
  loadStateDict(source: StateDict, updates: number): void {
    const missing = [...this.#shadow.keys()].filter((k) => !source.has(k));
    if (missing.length) throw new Error(`ModelEMA.loadStateDict: missing ${missing.join(', ')}`);
    torch.noGrad(() => {
      for (const [k, v] of this.#shadow) v.copy_(source.get(k)!);
    });
    this.updates = updates;
  }

  /** Copies the averaged weights into `module` (e.g. a model kept for evaluation). */
  copyTo(module: Module): void {
    module.loadStateDict(this.#shadow);
  }

  dispose(): void {
    for (const t of this.#shadow.values()) t.dispose();
    this.#shadow.clear();
  }
}
