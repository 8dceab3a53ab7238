// Ctrl-C (SIGINT) or a kill (SIGTERM) during a video run: the first asks the
// loop to stop (decoding ends, the annotated video is closed so it plays, the
// results so far are written); a second exits at once. Listening only while
// a run lasts, so other commands keep Node's default handling.

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export class StopOnSignals {
  /** The signal that asked to stop, once one came. */
  signal?: NodeJS.Signals;
  readonly #callbacks = new Set<() => void>();
  readonly #handler = (s: NodeJS.Signals) => {
    if (this.signal) process.exit(EXIT_CODES[s] ?? 1); // a second signal: no more waiting
    this.signal = s;
    for (const cb of this.#callbacks) cb();
  };

  constructor(readonly signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']) {
    for (const s of signals) process.on(s, this.#handler);
  }

  /** Calls `cb` when a stop is asked; returns the unsubscription. */
  onStop(cb: () => void): () => void {
    this.#callbacks.add(cb);
    return () => this.#callbacks.delete(cb);
  }

  /** The exit status of an interrupted run (128 + the signal, the shell's convention), else undefined. */
  get exitCode(): number | undefined {
    return this.signal ? EXIT_CODES[this.signal] ?? 1 : undefined;
  }

  dispose(): void {
    for (const s of this.signals) process.off(s, this.#handler);
  }
}
