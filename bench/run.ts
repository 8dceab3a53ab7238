// `npm run bench`: every benchmark against its reference in one run, as
// ratios, also written to bench/results/latest.json.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { benchEngine } from './engine.js';
import { REPO_ROOT, printTable } from './timing.js';

/** Optional benchmarks contributed by other parts (loaded when their module exists). */
const OPTIONAL: [string, string][] = [
  ['nms', 'benchNms'],
  ['loader', 'benchLoader'],
  ['detect', 'benchDetect'],
  ['train', 'benchTrain'],
  ['deploy', 'benchDeploy'],
  ['ddp', 'benchDdp'],
];

async function main(): Promise<void> {
  const results: Record<string, unknown> = { date: new Date().toISOString(), threads: torch.getNumThreads(), torch: torch.versions().torch };
  console.log(`threads: ${torch.getNumThreads()}, libtorch ${torch.versions().torch}`);
  const engine = benchEngine();
  printTable('engine: ours vs PyTorch (same libtorch, same threads)', ['case', 'ours GFLOP/s', 'PyTorch GFLOP/s', 'ours/PyTorch'], engine.map((r) => [r.case, r.oursGflops, r.pytorchGflops, r.ratio]));
  results.engine = engine;
  for (const [file, fn] of OPTIONAL) {
    const path = join(REPO_ROOT, 'dist', 'bench', `${file}.js`);
    if (!existsSync(path)) continue;
    const mod = (await import(path)) as Record<string, () => Promise<unknown>>;
    if (typeof mod[fn] !== 'function') continue;
    console.log(`\n${file}:`);
    results[file] = await mod[fn]();
    console.log(JSON.stringify(results[file], null, 2));
  }
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(results, null, 2));
  console.log(`\nwritten: ${join(dir, 'latest.json')}`);
}

await main();
