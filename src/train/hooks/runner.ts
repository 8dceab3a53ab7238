// Calls the hooks' methods in registration order. The per-step lists are
// built once, so a step costs a loop over the hooks that have the method,
// nothing more (no tensor work, no device sync).
import type { Batch } from '../../data/index.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, LossEvent, StepEnd, TrainEnd, TrainHook } from './hook.js';

type Has<K extends keyof TrainHook> = TrainHook & Required<Pick<TrainHook, K>>;
const having = <K extends keyof TrainHook>(hooks: readonly TrainHook[], key: K) => hooks.filter((h): h is Has<K> => typeof h[key] === 'function');

/** State keys the trainer itself writes into a checkpoint's `extra`. */
export const TRAINER_STATE_KEYS = ['steps', 'resumeBatch', 'epochParts', 'interrupted', 'map50', 'map'];

export class HookRunner {
  readonly #beforeStep: Has<'beforeStep'>[];
  readonly #afterLoss: Has<'afterLoss'>[];
  readonly #beforeOptimizerStep: Has<'beforeOptimizerStep'>[];
  readonly #afterOptimizerStep: Has<'afterOptimizerStep'>[];
  readonly #afterStep: Has<'afterStep'>[];

  constructor(readonly hooks: readonly TrainHook[]) {
    this.#beforeStep = having(hooks, 'beforeStep');
    this.#afterLoss = having(hooks, 'afterLoss');
    this.#beforeOptimizerStep = having(hooks, 'beforeOptimizerStep');
    this.#afterOptimizerStep = having(hooks, 'afterOptimizerStep');
    this.#afterStep = having(hooks, 'afterStep');
  }

  loadStateDict(ctx: TrainContext, state: Readonly<Record<string, unknown>>): void {
    for (const h of this.hooks) h.loadStateDict?.(state, ctx);
  }

  /** Every hook's checkpoint state, merged; a key given twice (or one the trainer writes) is an error. */
  stateDict(ctx: TrainContext): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const owner = new Map<string, string>(TRAINER_STATE_KEYS.map((k) => [k, 'the trainer']));
    this.hooks.forEach((h, i) => {
      const name = h.name ?? `hook ${i}`;
      for (const [k, v] of Object.entries(h.stateDict?.(ctx) ?? {})) {
        const other = owner.get(k);
        if (other) throw new Error(`checkpoint state '${k}' of ${name} is also written by ${other}`);
        owner.set(k, name);
        out[k] = v;
      }
    });
    return out;
  }

  async beforeTrain(ctx: TrainContext): Promise<void> {
    for (const h of this.hooks) await h.beforeTrain?.(ctx);
  }

  async beforeEpoch(ctx: TrainContext): Promise<void> {
    for (const h of this.hooks) await h.beforeEpoch?.(ctx);
  }

  beforeStep(ctx: TrainContext, batch: Batch): void {
    for (const h of this.#beforeStep) h.beforeStep(ctx, batch);
  }

  afterLoss(ctx: TrainContext, loss: LossEvent): void {
    for (const h of this.#afterLoss) h.afterLoss(ctx, loss);
  }

  beforeOptimizerStep(ctx: TrainContext): void {
    for (const h of this.#beforeOptimizerStep) h.beforeOptimizerStep(ctx);
  }

  afterOptimizerStep(ctx: TrainContext): void {
    for (const h of this.#afterOptimizerStep) h.afterOptimizerStep(ctx);
  }

  async afterStep(ctx: TrainContext, step: StepEnd): Promise<void> {
    for (const h of this.#afterStep) {
      const r = h.afterStep(ctx, step);
      if (r) await r;
    }
  }

  async afterEpoch(ctx: TrainContext, epoch: EpochEnd): Promise<void> {
    for (const h of this.hooks) await h.afterEpoch?.(ctx, epoch);
  }

  /**
   * Runs every hook's afterTrain, even when one throws. After a finished or
   * stopped run the first error is rethrown; after a failed one the run's own
   * error matters more, so a hook's is only logged.
   */
  async afterTrain(ctx: TrainContext, end: TrainEnd): Promise<void> {
    let first: { error: unknown } | undefined;
    for (const [i, h] of this.hooks.entries()) {
      try {
        await h.afterTrain?.(ctx, end);
      } catch (error) {
        if (end.kind === 'failed') ctx.log(`warning: ${h.name ?? `hook ${i}`}.afterTrain after the failure: ${(error as Error)?.message ?? error}`);
        else first ??= { error };
      }
    }
    if (first) throw first.error;
  }
}
