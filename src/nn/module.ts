// Module: the base of every layer and model. Holds named parameters,
// buffers and child modules; walks them for state dicts, modes and freeing.
import { DTYPE_BYTES, Tensor, isFloating, keep, noGrad, type Device, type DType } from '../torch/index.js';

export type StateDict = Map<string, Tensor>;

export abstract class Module {
  training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #children = new Map<string, Module>();

  abstract forward(...inputs: never[]): unknown;

  /** Registers a trainable tensor; the module owns it from now on (outside any tidy scope). */
  protected registerParameter(name: string, t: Tensor | null): Tensor | null {
    if (t) {
      keep(t);
      if (!t.requiresGrad) t.requiresGrad = true;
    }
    this.#parameters.set(name, t);
    return t;
  }

  /** Registers a state tensor that is saved but not trained (e.g. running means). */
  protected registerBuffer(name: string, t: Tensor | null): Tensor | null {
    if (t) keep(t);
    this.#buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  /** A registered parameter or buffer by its local name. */
  protected tensor(name: string): Tensor | null {
    return this.#parameters.get(name) ?? this.#buffers.get(name) ?? null;
  }

  *namedChildren(): Generator<[string, Module]> {
    yield* this.#children;
  }

  children(): Module[] {
    return [...this.#children.values()];
  }

  /** This module and all below it, with dotted names ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.#children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.#parameters) if (t) out.push([prefix ? `${prefix}.${name}` : name, t]);
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.#buffers) if (t) out.push([prefix ? `${prefix}.${name}` : name, t]);
    }
    return out;
  }

  /** Parameters and buffers by dotted name, as live references (not copies), in PyTorch's order. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [prefix, m] of this.namedModules()) {
      const p = prefix ? `${prefix}.` : '';
      for (const [name, t] of m.#parameters) if (t) out.set(p + name, t);
      for (const [name, t] of m.#buffers) if (t) out.set(p + name, t);
    }
    return out;
  }

  /**
   * Copies values into this module's tensors. With `strict` (default), a
   * missing or unexpected key is an error; a shape mismatch always is. The
   * error lists every problem at once.
   */
  loadStateDict(source: StateDict | Record<string, Tensor>, options: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = options.strict ?? true;
    const given = source instanceof Map ? source : new Map(Object.entries(source));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [k, t] of own) {
      const g = given.get(k);
      if (g && g.shape.join(',') !== t.shape.join(',')) mismatched.push(`${k}: expected [${t.shape}], got [${g.shape}]`);
    }
    const problems = [
      ...(strict && missing.length ? [`missing keys: ${missing.join(', ')}`] : []),
      ...(strict && unexpected.length ? [`unexpected keys: ${unexpected.join(', ')}`] : []),
      ...(mismatched.length ? [`shape mismatch: ${mismatched.join('; ')}`] : []),
    ];
    if (problems.length) throw new Error(`loadStateDict: ${problems.join('. ')}`);
    noGrad(() => {
      for (const [k, t] of own) {
        const g = given.get(k);
        if (g) t.copy_(g);
      }
    });
    return { missing, unexpected };
  }

  /** Sets training mode here and below (BatchNorm and Dropout behave differently). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter and buffer to `device` ('cpu', 'cuda', 'cuda:1'),
   * or casts the floating-point ones to a floating dtype (integer buffers
   * such as num_batches_tracked stay, as PyTorch's module.to(dtype)); in
   * place of the old ones, so an optimizer must be made after this.
   */
  to(target: Device | DType): this {
    const dtype = target in DTYPE_BYTES ? target as DType : null;
    if (dtype && !isFloating(dtype)) throw new TypeError(`Module.to: ${dtype} is not a floating dtype`);
    const stays = (t: Tensor) => dtype
      ? t.dtype === dtype || !isFloating(t.dtype)
      : t.device === target || (target === 'cuda' && t.device.startsWith('cuda'));
    for (const [, m] of this.namedModules()) {
      for (const table of [m.#parameters, m.#buffers]) {
        for (const [name, t] of table) {
          if (!t || stays(t)) continue;
          const moved = keep(noGrad(() => t.to(target)));
          if (t.requiresGrad) moved.requiresGrad = true;
          t.dispose();
          table.set(name, moved);
        }
      }
    }
    return this;
  }

  /** Frees every parameter and buffer of this module and its children, and what they derived (releaseDerived). */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      m.releaseDerived();
      for (const t of m.#parameters.values()) t?.dispose();
      for (const t of m.#buffers.values()) t?.dispose();
    }
  }

  /** Frees tensors this module computed from its own (inference caches); a no-op unless overridden. */
  protected releaseDerived(): void {}
}
