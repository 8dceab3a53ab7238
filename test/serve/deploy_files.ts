// Files for the deploy tests (detect --model, serve, the browser): weights,
// exports made by `yolov3 export`, images, and the `yolov3` command itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveWeights } from '../../src/darknet/index.js';
import { renderShapes, writePng, DEFAULT_SHAPES } from '../../src/data/index.js';
import type { DetectionResult } from '../../src/detect/index.js';
import { REPO_ROOT } from '../support/references.js';
import { busyTiny } from '../darknet/parity_support.js';

export const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
export const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');
export const SHAPES = { cfg: join(FIXTURES, 'shapes-tiny.cfg'), weights: join(FIXTURES, 'shapes-tiny-trained.weights'), names: join(FIXTURES, 'shapes.names') };

export interface Run { status: number | null; stdout: string; stderr: string }

/** `yolov3 <args>` in a child process (`env` added to this one's). */
export function yolov3(args: string[], env: Record<string, string> = {}): Run {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
}

export function ok(r: Run, what: string): Run {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr}`);
  return r;
}

export function tmp(prefix = 'yolov3-deploy-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** yolov3-tiny's cfg with the raised-bias random weights (busyTiny) saved as darknet .weights in `dir`. */
export function busyTinyWeights(cfg: string, dir: string): string {
  const model = busyTiny(cfg);
  const path = join(dir, 'tiny.weights');
  saveWeights(model, path);
  model.dispose();
  return path;
}

/** Held-out Shapes images as PNG files in `dir` (seed 4242 as the detection tests): square, and not square (letterboxed). */
export async function shapesFiles(dir: string): Promise<string[]> {
  const larger = { ...DEFAULT_SHAPES, minSize: 0.25 };
  const out: string[] = [];
  for (const [i, w, h] of [[0, 256, 256], [3, 400, 232]]) {
    const path = join(dir, `shapes-${i}.png`);
    await writePng(renderShapes(4242, i, w, h, w === h ? DEFAULT_SHAPES : larger), path);
    out.push(path);
  }
  return out;
}

export function copyInto(dir: string, file: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, join(dir, name));
  return join(dir, name);
}

/** `yolov3 detect ... --json` on one image: its result. */
export function detectJson(args: string[], source: string, dir: string, env: Record<string, string> = {}): DetectionResult {
  const json = join(dir, `detect-${Math.random().toString(36).slice(2)}.json`);
  ok(yolov3(['detect', ...args, '--source', source, '--json', json], env), `yolov3 detect ${args.join(' ')}`);
  const all = JSON.parse(readFileSync(json, 'utf8')) as DetectionResult[];
  return all[0];
}

/** `yolov3 serve` in a child process; resolves with its URL once it prints it. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop: () => void }> {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args, '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`yolov3 serve printed no URL in 60 s:\n${out}${err}`)), 60_000);
    child.stderr!.on('data', (b) => (err += b));
    child.stdout!.on('data', (b) => {
      out += b;
      const m = /at (http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ url: m[1], child, stop: () => void child.kill('SIGTERM') });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`yolov3 serve exited (${code}):\n${err}`));
    });
  });
}
