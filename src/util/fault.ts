// Fault injection for the kill tests (test/train/soak_kill.test.ts): with
// YOLO_FAULT_SLOW_WRITE_MS=N in the environment, every atomic file write
// and every event-file flush stops for N ms halfway through its bytes,
// after announcing it on stderr ("fault: slow write <path>"), so a test can
// SIGKILL the process in the middle of a write instead of hoping to hit one.
// Unset (always, outside those tests), it costs one environment lookup.

const pause = new Int32Array(new SharedArrayBuffer(4));

/** The pause in ms, or 0 when fault injection is off. */
export function slowWriteMs(): number {
  const ms = Number(process.env.YOLO_FAULT_SLOW_WRITE_MS ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** Called halfway through a write of `path`: announces it and blocks for the pause (no-op when off). */
export function midWriteFault(path: string): void {
  const ms = slowWriteMs();
  if (!ms) return;
  process.stderr.write(`fault: slow write ${path}\n`);
  Atomics.wait(pause, 0, 0, ms); // a synchronous sleep: the write must not let other work run in between
}
