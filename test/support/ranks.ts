// Runs one script as several ranks of a process group (local processes with
// the torchrun environment), for the distributed tests.
import { spawn } from 'node:child_process';
import { freeLocalPort } from '../../src/train/ddp/launch.js';

export interface RankResult {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A TCP port free on 127.0.0.1 right now: the launcher's own. */
export const freePort = freeLocalPort;

/** Starts `node script ...args` once per rank and resolves when all have exited (killed after `killAfterMs`). */
export async function runRanks(script: string, args: string[], worldSize: number, options: { env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<RankResult[]> {
  const port = await freePort();
  return Promise.all(Array.from({ length: worldSize }, (_, rank) => new Promise<RankResult>((resolve) => {
    const env = { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), ...options.env };
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ rank, code, signal, stdout, stderr });
    });
  })));
}
