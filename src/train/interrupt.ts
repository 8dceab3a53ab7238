// Ctrl-C while training: the first SIGINT asks the loop to stop at its next
// clean point (after the current optimizer step) and save `last`; a second
// one exits at once with 130 (128 + SIGINT, the shell's convention).
// Listening only between listen() and close(), so a finished run leaves no
// handler behind and Ctrl-C outside training keeps Node's default.
export class TrainingInterrupt {
  #requested = false;
  readonly #onSigint = () => {
    if (this.#requested) {
      this.log('second interrupt: exiting without saving');
      process.exit(130);
    }
    this.request('\ninterrupt: finishing this optimizer step, then saving last (Ctrl-C again to quit at once)');
  };

  constructor(private readonly log: (line: string) => void) {}

  get requested(): boolean {
    return this.#requested;
  }

  /** Asks the loop to stop, as a SIGINT does (also used by tests). */
  request(message?: string): void {
    this.#requested = true;
    if (message) this.log(message);
  }

  listen(): void {
    process.on('SIGINT', this.#onSigint);
  }

  close(): void {
    process.off('SIGINT', this.#onSigint);
  }
}

/** Lets pending I/O and signals run: a loop whose awaits resolve at once would otherwise never see Ctrl-C. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
