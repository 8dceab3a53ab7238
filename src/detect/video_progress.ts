// The progress line of a video run on stderr: frames done (of how many),
// and frames per second of the whole loop (decode, detect, draw, encode).
// On a terminal one line, redrawn with \r a few times a second; in a log, a
// line every `every` frames; a last line at the end either way.

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class VideoProgress {
  readonly start = performance.now();
  frames = 0;
  #drawnAt = -Infinity; // the first advance always draws (performance.now() may be under 250 ms at start)
  #shown = false;

  constructor(readonly label: string, readonly total: number | undefined, readonly totalExact: boolean, readonly stream: ProgressStream = process.stderr, readonly every = 100) {}

  get seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  get fps(): number {
    return this.frames / Math.max(this.seconds, 1e-9);
  }

  line(): string {
    const total = this.total === undefined ? '' : `/${this.totalExact ? '' : '~'}${this.total}`;
    const pct = this.total ? ` (${Math.min(100, (100 * this.frames) / this.total).toFixed(0)}%)` : '';
    return `${this.label}: frame ${this.frames}${total}${pct}, ${this.fps.toFixed(1)} fps`;
  }

  /** Counts `n` more frames done and shows the line when due. */
  advance(n: number): void {
    const before = this.frames;
    this.frames += n;
    if (!this.stream.isTTY) {
      if (Math.floor(this.frames / this.every) > Math.floor(before / this.every)) this.stream.write(`${this.line()}\n`);
      return;
    }
    const now = performance.now();
    if (now - this.#drawnAt < 250) return;
    this.#drawnAt = now;
    this.stream.write(`\r\x1b[K${this.line()}`);
    this.#shown = true;
  }

  /** Removes the terminal's progress line (before other output to the same terminal). */
  clear(): void {
    if (this.#shown) this.stream.write('\r\x1b[K');
    this.#shown = false;
  }

  /** The last line: frames, seconds and fps, and how the run ended. */
  finish(how: string): void {
    this.clear();
    this.stream.write(`${this.label}: ${this.frames} frames in ${this.seconds.toFixed(1)} s, ${this.fps.toFixed(1)} fps${how ? `, ${how}` : ''}\n`);
  }
}
