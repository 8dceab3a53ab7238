// Optimizer base: parameter groups with their own hyper-parameters (a
// scheduler sets `group.lr`), per-parameter state, and a state dict that
// checkpoints can save and restore.
import { Tensor } from '../tensor.js';
import { tidy, keep } from '../scope.js';
import { noGrad } from '../autograd.js';

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: unknown;
}

/** What the constructor takes: tensors, or groups whose missing options take the defaults. */
export type ParamsInput = Tensor[] | (Partial<ParamGroup> & { params: Tensor[] })[];

export type ParamState = Record<string, Tensor | number>;

export interface OptimizerStateDict {
  /** State per parameter, keyed by the parameter's index across all groups in order. */
  state: Record<number, ParamState>;
  /** Hyper-parameters of each group, with its parameters as indices. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

export abstract class Optimizer<Options extends { lr: number }> {
  readonly paramGroups: (ParamGroup & Options)[];
  protected readonly state = new Map<Tensor, ParamState>();

  constructor(params: ParamsInput, readonly defaults: Options) {
    const groups = params.length > 0 && params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : (params as ParamGroup[]);
    this.paramGroups = groups.map((g) => ({ ...defaults, ...g }) as ParamGroup & Options);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (seen.has(p)) throw new Error('optimizer: a parameter appears in more than one group');
        seen.add(p);
      }
    }
  }

  /** Updates one parameter from its gradient; runs without autograd inside a scope. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup & Options, state: ParamState): void;

  /** One optimisation step over every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          tidy(() => {
            const grad = p.grad;
            if (grad === null) return;
            let state = this.state.get(p);
            if (!state) this.state.set(p, (state = {}));
            this.update(p, grad, group, state);
            for (const v of Object.values(state)) if (v instanceof Tensor) keep(v);
          });
        }
      }
    });
  }

  /** Clears every parameter's gradient (set to none, as PyTorch 2's default). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const { params, ...options } = group;
      const indices: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s) state[index] = { ...s };
        indices.push(index++);
      }
      paramGroups.push({ ...options, params: indices });
    }
    return { state, paramGroups };
  }

  /** Restores hyper-parameters and state (copies the tensors; the source stays the caller's). */
  loadStateDict(dict: OptimizerStateDict): void {
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`optimizer state has ${dict.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const all = this.paramGroups.flatMap((g) => g.params);
    dict.paramGroups.forEach((saved, i) => {
      const group = this.paramGroups[i];
      if (saved.params.length !== group.params.length) {
        throw new Error(`optimizer group ${i}: saved ${saved.params.length} parameters, this group has ${group.params.length}`);
      }
      const { params: _ignored, ...options } = saved;
      Object.assign(group, options);
    });
    this.disposeState();
    for (const [key, s] of Object.entries(dict.state)) {
      const p = all[Number(key)];
      if (!p) throw new Error(`optimizer state names parameter ${key}, which does not exist`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (k !== 'step' && v.shape.join(',') !== p.shape.join(',')) {
            throw new Error(`optimizer state '${k}' of parameter ${key} has shape [${v.shape}], the parameter [${p.shape}]`);
          }
          copy[k] = keep(v.clone());
        } else {
          copy[k] = v;
        }
      }
      this.state.set(p, copy);
    }
  }

  /** Frees the optimizer's state tensors (momentum buffers, moments). */
  disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }
}
