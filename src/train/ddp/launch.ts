// `yolov3 train --nproc N`: N local workers, each `yolov3 train` with the
// torchrun environment (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT) and 1/N of the cores, as torch.distributed.run starts them.
// The launcher watches them: the first that fails (an exit code other than
// 0 or a signal, e.g. SIGKILL) is named, the others get until the collective
// timeout (+10 s) to fail on their own (a lost peer is an error in their next
// collective) and are then killed; the launcher exits non-zero. Ctrl-C is
// passed to every worker once per press (they run in their own process
// group, so the terminal's SIGINT reaches the launcher only): the first asks
// each to stop after the current step (rank 0 saves `last`), a second quits.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';

export interface LaunchOptions {
  nproc: number;
  /** The command line of one worker: the node script and its arguments (without --nproc). */
  script: string;
  args: string[];
  timeoutMs: number;
  log?: (line: string) => void;
}

/** A TCP port free on 127.0.0.1 now (the store's MASTER_PORT). */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

interface Exit { rank: number; code: number | null; signal: NodeJS.Signals | null }

const describe = (e: Exit) => (e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`);
const failed = (e: Exit) => e.signal !== null || (e.code !== 0 && e.code !== 130);

function startWorker(o: LaunchOptions, rank: number, port: number): ChildProcess {
  const threads = Math.max(1, Math.floor(availableParallelism() / o.nproc));
  const env = {
    ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(o.nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port),
    YOLO_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), YOLO_LAUNCHER_PID: String(process.pid),
  };
  return spawn(process.execPath, [o.script, ...o.args], { env, stdio: 'inherit', detached: true });
}

/** Runs the workers to the end; resolves with the launcher's exit code. */
export async function launchWorkers(o: LaunchOptions): Promise<number> {
  const log = o.log ?? ((s: string) => console.error(s));
  const port = await freeLocalPort();
  const workers = Array.from({ length: o.nproc }, (_, rank) => startWorker(o, rank, port));
  log(`launched ${o.nproc} workers (${workers.map((w, r) => `rank ${r}: pid ${w.pid}`).join(', ')}), store at 127.0.0.1:${port}`);
  const exits: (Exit | undefined)[] = [];
  const onSigint = () => workers.forEach((w) => w.exitCode === null && w.signalCode === null && w.kill('SIGINT'));
  process.on('SIGINT', onSigint);
  let firstFailure: Exit | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await Promise.all(workers.map((w, rank) => new Promise<void>((resolve) => {
      w.on('exit', (code, signal) => {
        const e = { rank, code, signal };
        exits[rank] = e;
        if (failed(e) && !firstFailure) {
          firstFailure = e;
          log(`rank ${rank} ${describe(e)}; waiting up to ${(o.timeoutMs / 1000 + 10).toFixed(0)} s for the other ranks to stop`);
          deadline = setTimeout(() => workers.forEach((x, r) => { if (!exits[r]) { log(`rank ${r} still running: killed`); x.kill('SIGKILL'); } }), o.timeoutMs + 10_000);
        }
        resolve();
      });
    })));
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', onSigint);
  }
  if (firstFailure) {
    log(`distributed training failed: rank ${firstFailure.rank} ${describe(firstFailure)}`);
    return 1;
  }
  return exits.some((e) => e?.code === 130) ? 130 : 0;
}

/**
 * In a worker of launchWorkers: exits when the launcher is gone (killed
 * itself), so no worker outlives it; the check is a timer that does not
 * keep the process alive.
 */
export function exitWithLauncher(env: NodeJS.ProcessEnv = process.env): void {
  const launcher = Number(env.YOLO_LAUNCHER_PID);
  if (!Number.isInteger(launcher) || launcher <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid !== launcher) {
      console.error(`rank ${env.RANK}: the launcher (pid ${launcher}) is gone; exiting`);
      process.exit(1);
    }
  }, 1000);
  timer.unref();
}
