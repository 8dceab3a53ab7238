// `yolov3` in a child process for the kill and lock tests: its output
// collected, a wait for a line, its exit; every child started is killed by
// killAll() (call it in test.after), so a failure leaves none running.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';

export const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface Child {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once `test(output)` holds; rejects after ms or when the child exits first. */
  waitFor(test: (out: string) => boolean, ms: number, what: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

export function startYolo(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, YOLO_NUM_THREADS: '1', ...env } });
  children.push(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (s: string) => {
    out += s;
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const waitFor = (test: (out: string) => boolean, ms: number, what: string) =>
    new Promise<string>((resolve, reject) => {
      const done = (ok: boolean) => {
        waiters.delete(check);
        clearTimeout(timer);
        if (ok) resolve(out);
        else reject(new Error(`${what}: not seen within ${ms} ms or before the child exited; output:\n${out.slice(-3000)}`));
      };
      const check = () => void (test(out) && done(true));
      const timer = setTimeout(() => done(false), ms);
      waiters.add(check);
      void exited.then(() => setImmediate(() => waiters.has(check) && done(test(out))));
      check();
    });
  return { child, output: () => out, waitFor, exited };
}

export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
