// Ctrl-C while training: the first SIGINT asks the loop to stop at its next
// clean point (ctx.requestStop(): after the current optimizer step; the
// checkpoint hook saves `last` for --resume); a second one exits at once
// with 130 (128 + SIGINT, the shell's convention). Listening only from
// beforeTrain until the run closes, so a finished run leaves no handler
// behind and Ctrl-C outside training keeps Node's default.
import type { TrainContext } from '../context.js';
import type { TrainHook } from './hook.js';

/** Lets pending I/O and signals run: a loop whose awaits resolve at once would otherwise never see Ctrl-C. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class InterruptHook implements TrainHook {
  readonly name = 'interrupt';
  #requested = false;

  beforeTrain(ctx: TrainContext): void {
    const onSigint = () => {
      if (this.#requested) {
        ctx.log('second interrupt: exiting without saving');
        process.exit(130);
      }
      this.#requested = true;
      ctx.log('\ninterrupt: finishing this optimizer step, then saving last (Ctrl-C again to quit at once)');
      ctx.requestStop();
    };
    process.on('SIGINT', onSigint);
    ctx.onClose(() => process.off('SIGINT', onSigint));
  }

  afterStep(): Promise<void> {
    return yieldToEventLoop(); // lets a SIGINT in
  }
}
