// What the package tests share: one `npm pack` of this checkout (its
// prepack brings dist/ up to date and ships native/build/Release as the
// prebuilt addon; nothing is compiled), npm run in a clean environment, and
// the TypeScript blocks of the README.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';

export const NPM_AVAILABLE = spawnSync('npm', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * This environment without what `npm test` adds for its own package
 * (npm_package_*, npm_lifecycle_*, npm_config_local_prefix, ...), which a
 * child npm would read as its own configuration; the cache stays npm's default
 * or the one configured. onnxruntime-node's post-install would download CUDA
 * files (and fail offline); its CPU build ships in the package.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
}

export function npm(args: string[], cwd: string, timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd, encoding: 'utf8', env: npmEnv(), timeout: timeoutMs, maxBuffer: 1 << 26 });
}

export interface Packed {
  tarball: string;
  /** Paths in the tarball, relative to the package root. */
  files: string[];
}

let packed: Packed | undefined;
/** `npm pack` of the checkout into a temporary folder, once per test file. */
export function packOnce(): Packed {
  if (packed) return packed;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-pack-'));
  const r = npm(['pack', '--json', '--pack-destination', dir], REPO_ROOT);
  if (r.status !== 0) throw new Error(`npm pack failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  packed = { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
  return packed;
}

/** The ```ts blocks of README.md, in order. */
export function readmeTsBlocks(): string[] {
  const text = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}
