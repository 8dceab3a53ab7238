// A one-line progress display with rate and ETA, redrawn in place on a
// terminal and printed every `every` steps otherwise (logs, CI).

/** Where the line goes: a terminal redraws it, anything else gets whole lines. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressIo {
  /** Default process.stdout. */
  stream?: ProgressStream;
  /** Seconds on a monotonic clock (default process.hrtime); tests pass their own. */
  now?: () => number;
}

const hrSeconds = () => Number(process.hrtime.bigint()) / 1e9;

export class Progress {
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #start: number;
  #lastPrinted = -1;

  constructor(readonly label: string, readonly total: number, readonly unit = 'it', readonly every = Math.max(1, Math.floor(total / 10)), io: ProgressIo = {}) {
    this.#stream = io.stream ?? process.stdout;
    this.#now = io.now ?? hrSeconds;
    this.#start = this.#now();
  }

  /** Reports `done` of `total` finished, with extra text such as the current loss. */
  update(done: number, extra = ''): void {
    const elapsed = this.#now() - this.#start;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const line = `${this.label} ${done}/${this.total} ${rate.toFixed(1)} ${this.unit}/s ETA ${formatSeconds(eta)}${extra ? ' ' + extra : ''}`;
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[K${line}${done === this.total ? '\n' : ''}`);
    } else if (done === this.total || done - this.#lastPrinted >= this.every) {
      this.#stream.write(line + '\n');
      this.#lastPrinted = done;
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}
