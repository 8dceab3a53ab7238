// A one-line progress display with rate and ETA, redrawn in place on a
// terminal and printed every `every` steps otherwise (logs, CI).
export class Progress {
  readonly #start = process.hrtime.bigint();
  #lastPrinted = -1;

  constructor(readonly label: string, readonly total: number, readonly unit = 'it', readonly every = Math.max(1, Math.floor(total / 10))) {}

  /** Reports `done` of `total` finished, with extra text such as the current loss. */
  update(done: number, extra = ''): void {
    const elapsed = Number(process.hrtime.bigint() - this.#start) / 1e9;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const line = `${this.label} ${done}/${this.total} ${rate.toFixed(1)} ${this.unit}/s ETA ${formatSeconds(eta)}${extra ? ' ' + extra : ''}`;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r\x1b[K${line}${done === this.total ? '\n' : ''}`);
    } else if (done === this.total || done - this.#lastPrinted >= this.every) {
      console.log(line);
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
