// A TensorBoard event-file writer for scalars. Records are buffered and
// written on a timer (and when many are pending), or after every write with
// `flushMs: 0`; close() always writes what is left. One file per writer:
// events.out.tfevents.<unix seconds>.<hostname>, as TensorFlow names them.
// A writer of a resumed run starts with TensorBoard's purge marker
// (`purgeStep`, event.ts), as PyTorch's SummaryWriter(purge_step=…).
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeRecord } from './record.js';
import { encodeFileVersionEvent, encodeScalarEvent, encodeSessionStartEvent, type ScalarValue } from './event.js';
import { midWriteFault } from '../../util/fault.js';
import { fileError } from '../../util/fs_errors.js';

export interface EventWriterOptions {
  /** Milliseconds between flushes; 0 writes every record at once. Default 2000. */
  flushMs?: number;
  /** Pending records that force a flush before the timer. Default 100. */
  maxQueue?: number;
  /** File name suffix after the hostname (TensorBoard reads any name containing "tfevents"). */
  suffix?: string;
  /** A resumed run's first step: events written earlier with a step >= it are discarded by TensorBoard. */
  purgeStep?: number;
}

export class EventWriter {
  readonly path: string;
  readonly #fd: number;
  readonly #maxQueue: number;
  readonly #timer: NodeJS.Timeout | undefined;
  #pending: Buffer[] = [];
  #closed = false;
  /** A failed timer flush (a full disk), thrown by the next write or flush rather than out of a timer. */
  #failure?: Error;
  // a run that ends without close() (an error, process.exit) still gets its buffered scalars written
  readonly #onExit = () => {
    try {
      this.flush();
    } catch {
      /* exiting anyway; the failure was reported where it happened */
    }
  };

  constructor(readonly logDir: string, options: EventWriterOptions = {}) {
    mkdirSync(logDir, { recursive: true });
    const now = Date.now() / 1000;
    const base = `events.out.tfevents.${Math.floor(now)}.${hostname()}${options.suffix ?? ''}`;
    // two writers started in the same second must not share a file ('wx' fails if it exists)
    let opened: { path: string; fd: number } | undefined;
    for (let n = 0; !opened; n++) {
      const path = join(logDir, n ? `${base}.${n}` : base);
      try {
        opened = { path, fd: openSync(path, 'wx') };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    this.path = opened.path;
    this.#fd = opened.fd;
    const flushMs = options.flushMs ?? 2000;
    this.#maxQueue = flushMs === 0 ? 1 : Math.max(1, options.maxQueue ?? 100);
    if (flushMs > 0) {
      this.#timer = setInterval(() => {
        try {
          this.flush();
        } catch (e) {
          this.#failure = e as Error;
        }
      }, flushMs);
      this.#timer.unref(); // a pending flush must not keep the process alive
    }
    process.on('exit', this.#onExit);
    this.#write(encodeFileVersionEvent(now, options.purgeStep));
    if (options.purgeStep !== undefined) this.#write(encodeSessionStartEvent(now, options.purgeStep));
    this.flush();
  }

  /** Logs one scalar; `wallTime` in seconds since the epoch (default: now). */
  addScalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    this.addScalars([{ tag, value }], step, wallTime);
  }

  /** Logs several scalars at one step in a single event. */
  addScalars(values: readonly ScalarValue[] | Record<string, number>, step: number, wallTime = Date.now() / 1000): void {
    const list = Array.isArray(values) ? values : Object.entries(values).map(([tag, value]) => ({ tag, value }));
    if (!Number.isInteger(step)) throw new Error(`EventWriter: step must be an integer, got ${step}`);
    this.#write(encodeScalarEvent(wallTime, step, list));
  }

  #write(event: Uint8Array): void {
    if (this.#closed) throw new Error(`EventWriter: ${this.path} is closed`);
    this.#pending.push(encodeRecord(event));
    if (this.#pending.length >= this.#maxQueue) this.flush();
  }

  /** Writes pending records to the file, whole records only. */
  flush(): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed || this.#pending.length === 0) return;
    const bytes = Buffer.concat(this.#pending);
    this.#pending = [];
    try {
      this.#writeBytes(bytes);
    } catch (e) {
      throw (this.#failure = fileError('write', this.path, e));
    }
  }

  #writeBytes(bytes: Buffer): void {
    const half = bytes.length >> 1;
    let at = 0;
    while (at < half) at += writeSync(this.#fd, bytes, at, half - at);
    midWriteFault(this.path); // kill tests land here (src/util/fault.ts)
    while (at < bytes.length) at += writeSync(this.#fd, bytes, at, bytes.length - at);
  }

  /** Writes pending records and makes them durable (before a checkpoint that counts them as logged). */
  sync(): void {
    if (this.#closed) return;
    this.flush();
    fsyncSync(this.#fd);
  }

  /** Writes what is left and closes the file; the file is closed even when that write fails (the error is rethrown). */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
      fsyncSync(this.#fd);
    } finally {
      if (this.#timer) clearInterval(this.#timer);
      process.off('exit', this.#onExit);
      closeSync(this.#fd);
      this.#closed = true;
    }
  }
}
