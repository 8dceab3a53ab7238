// The addon's CPU block cache: large freed blocks are reused for the same
// size (or a smaller one, unless the block is far larger; of blocks it may take, the
// one with most of its pages still resident), a miss frees idle blocks before
// mapping more, never leak values into a new tensor's defined contents, stay under
// the limit, and YOLO_CPU_CACHE_MB=0 turns the cache off. Resident memory is
// held to a budget (the most in use at once + YOLO_CPU_CACHE_SLACK_MB): within
// it a block keeps the tail a smaller tensor leaves unused, beyond it gives it
// back (fresh processes with the slack at 0 make the over-budget cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/torch/index.js';

const MiB = 1 << 20;

test('a freed 4 MiB block is cached, handed out again for the same size, and emptied on request', () => {
  const start = torch.memory().tensors;
  torch.cpuCache.empty();
  assert.equal(torch.cpuCache.info().cachedBytes, 0);
  const a = torch.full([MiB], 7); // float32: 4 MiB
  a.dispose();
  assert.equal(torch.cpuCache.info().cachedBytes, 4 * MiB);
  const b = torch.zeros([MiB]); // reuses the block; zeros must still be zeros
  assert.equal(torch.cpuCache.info().cachedBytes, 0);
  assert.deepEqual(torch.tidy(() => [b.min().item(), b.max().item()]), [0, 0]); // scalar results: no large temporaries
  b.dispose();
  const small = torch.ones([1000]); // under 1 MiB: not cached
  small.dispose();
  assert.equal(torch.cpuCache.info().cachedBytes, 4 * MiB);
  torch.cpuCache.empty();
  assert.equal(torch.cpuCache.info().cachedBytes, 0);
  assert.equal(torch.memory().tensors, start);
});

test('a request takes the smallest idle block large enough; a miss frees idle blocks worth its size before mapping more', () => {
  const start = torch.memory().tensors;
  torch.cpuCache.empty();
  const mapped0 = torch.cpuCache.stats(true).mappedBytes;
  torch.full([MiB], 7).dispose(); // a 4 MiB block of sevens, now idle
  const one = torch.zeros([MiB / 4]); // 1 MiB: served by the idle 4 MiB block (its unused 3 MiB go back to the system)
  assert.equal(torch.cpuCache.info().cachedBytes, 0);
  assert.deepEqual(torch.tidy(() => [one.min().item(), one.max().item()]), [0, 0]);
  let s = torch.cpuCache.stats();
  assert.equal(s.hits, 1);
  assert.equal(s.mappedBytes - mapped0, 4 * MiB, 'no new mapping');
  const full = torch.full([MiB], 5); // 4 MiB, no idle block: a miss
  one.dispose(); // the 4 MiB block idle again
  full.dispose(); // a second 4 MiB block idle
  const big = torch.ones([2 * MiB]); // 8 MiB: a miss, which unmaps the idle 8 MiB first
  s = torch.cpuCache.stats();
  assert.equal(s.misses, 3, 'the first 4 MiB block, the second, and the 8 MiB one');
  assert.equal(torch.cpuCache.info().cachedBytes, 0);
  assert.equal(s.mappedBytes - mapped0, 8 * MiB);
  assert.equal(s.peakMappedBytes - mapped0, 8 * MiB, 'never more than 8 MiB at once');
  assert.deepEqual(torch.tidy(() => [big.min().item(), big.max().item()]), [1, 1]);
  big.dispose();
  torch.cpuCache.empty();
  assert.equal(torch.cpuCache.stats().mappedBytes, mapped0);
  assert.equal(torch.memory().tensors, start);
});

test('an idle block over twice a request and over 4 MiB larger is left for its own size: the request maps its own, evicting nothing', () => {
  const start = torch.memory().tensors;
  torch.cpuCache.empty();
  const mapped0 = torch.cpuCache.stats(true).mappedBytes;
  torch.full([8 * MiB], 7).dispose(); // a 32 MiB block, now idle
  const small = torch.zeros([MiB / 2]); // 2 MiB: taking the 32 MiB block would drop 30 MiB of its pages
  let s = torch.cpuCache.stats();
  assert.deepEqual([s.hits, s.misses], [0, 2], 'the 32 MiB block and the 2 MiB one mapped');
  assert.equal(torch.cpuCache.info().cachedBytes, 32 * MiB, 'the 32 MiB block still idle');
  assert.equal(s.mappedBytes - mapped0, 34 * MiB);
  const large = torch.ones([8 * MiB]); // 32 MiB again: the idle block
  s = torch.cpuCache.stats();
  assert.deepEqual([s.hits, s.misses], [1, 2]);
  assert.deepEqual(torch.tidy(() => [small.min().item(), small.max().item(), large.min().item(), large.max().item()]), [0, 0, 1, 1]);
  torch.dispose([small, large]);
  torch.cpuCache.empty();
  assert.equal(torch.cpuCache.stats().mappedBytes, mapped0);
  assert.equal(torch.memory().tensors, start);
});

const runtime = fileURLToPath(new URL('../../src/torch/index.js', import.meta.url));
/**
 * Runs `body` (module code with `torch`, `MiB` and `resident()` in scope,
 * returning a value) in a fresh process, whose cache has seen nothing, with
 * the environment given: the value (through JSON) and what it wrote to stderr.
 */
function inFreshProcess(env: Record<string, string>, body: string): { value: unknown; stderr: string } {
  const script = `
    import { readFileSync } from 'node:fs';
    const torch = await import(${JSON.stringify(runtime)});
    const MiB = ${MiB};
    const resident = () => Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * 4096;
    console.log(JSON.stringify(await (async () => { ${body} })()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { value: JSON.parse(r.stdout.trim().split('\n').pop()!), stderr: r.stderr };
}

function cachedAfterFreeing(limitMb: string, blocks: number): { cachedBytes: number; limitBytes: number } {
  return inFreshProcess({ YOLO_CPU_CACHE_MB: limitMb }, `
    const ts = Array.from({ length: ${blocks} }, () => torch.ones([MiB]));
    for (const t of ts) t.dispose();
    return torch.cpuCache.info();`).value as { cachedBytes: number; limitBytes: number };
}

test('the cache stays under YOLO_CPU_CACHE_MB, and 0 turns it off', () => {
  const limited = cachedAfterFreeing('8', 3);
  assert.equal(limited.limitBytes, 8 * MiB);
  assert.equal(limited.cachedBytes, 8 * MiB, 'two of the three 4 MiB blocks fit');
  const off = cachedAfterFreeing('0', 3);
  assert.deepEqual(off, { cachedBytes: 0, limitBytes: 0 });
});

test('a YOLO_CPU_CACHE_MB that is not a number is named on stderr and the default limit is used', () => {
  const r = inFreshProcess({ YOLO_CPU_CACHE_MB: '2GB' }, 'return torch.cpuCache.info();');
  assert.match(r.stderr, /YOLO_CPU_CACHE_MB='2GB' is not a whole number of MB/);
  assert.ok((r.value as { limitBytes: number }).limitBytes > 0, 'the default limit applies');
});

/** Resident memory of this process (statm's second field, in pages). */
const residentBytes = () => Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * 4096;

/**
 * With no slack: block X (48 MiB, written) serves a 26 MiB tensor (its tail
 * kept: resident stays within the most in use), a fresh 48 MiB tensor then
 * puts resident over the budget, and X, idle again, serves another 26 MiB
 * tensor inside `wrap`: the resident bytes given back then (its 22 MiB tail,
 * or nothing), and the cache's counters.
 */
const OVER_BUDGET = (wrap: string) => `
  torch.full([12 * MiB], 1).dispose();                 // X: 48 MiB written, idle; the most in use 48
  const y = torch.empty([6.5 * MiB]);                  // 26 MiB on X, its tail kept (48 resident, within 48)
  const z = torch.full([12 * MiB], 2);                 // 48 MiB fresh: resident 96, in use 74, budget 74
  y.dispose();
  let dropped = 0;
  ${wrap}(() => {
    const before = resident();
    const w = torch.empty([6.5 * MiB]);                // 26 MiB on X again: over the budget
    dropped = before - resident();
    w.dispose();
  });
  z.dispose();
  const s = torch.cpuCache.stats();
  return { dropped, residentBytes: s.residentBytes, budgetBytes: s.budgetBytes, peakInUseBytes: s.peakInUseBytes };`;

test('within the budget (the most in use + YOLO_CPU_CACHE_SLACK_MB) a smaller request keeps its block\'s tail; beyond it the tail goes back, unless in keepingPages', () => {
  const start = torch.memory().tensors;
  torch.cpuCache.empty();
  // this process, the default slack (256 MiB): a 26 MiB tensor on an idle, written 48 MiB block keeps its 22 MiB tail
  torch.full([12 * MiB], 1).dispose();
  const before = residentBytes();
  const t = torch.empty([6.5 * MiB]);
  assert.ok(Math.abs(before - residentBytes()) < 8 * MiB, 'within the budget the tail stays resident');
  assert.equal(torch.cpuCache.stats().budgetBytes - torch.cpuCache.stats().peakInUseBytes, 256 * MiB);
  t.dispose();
  const plain = inFreshProcess({ YOLO_CPU_CACHE_SLACK_MB: '0' }, OVER_BUDGET('((f) => f())')).value as { dropped: number; budgetBytes: number; peakInUseBytes: number };
  assert.equal(plain.budgetBytes, plain.peakInUseBytes, 'slack 0: the budget is the most in use');
  assert.equal(plain.peakInUseBytes, 74 * MiB);
  assert.ok(plain.dropped > 16 * MiB, `over the budget the 22 MiB tail goes back (${plain.dropped / MiB} MiB)`);
  const kept = inFreshProcess({ YOLO_CPU_CACHE_SLACK_MB: '0' }, OVER_BUDGET('torch.cpuCache.keepingPages')).value as { dropped: number };
  assert.ok(Math.abs(kept.dropped) < 8 * MiB, 'inside keepingPages it stays');
  assert.throws(() => torch.cpuCache.keepingPages(() => { throw new Error('boom'); }), /boom/);
  torch.cpuCache.empty();
  assert.equal(torch.memory().tensors, start);
});

test('of two idle blocks of a size, a request takes the one whose pages are all resident, not the one whose tail was given back', () => {
  const { value: values } = inFreshProcess({ YOLO_CPU_CACHE_SLACK_MB: '0' }, `
    const a = torch.full([2 * MiB], 3);    // 8 MiB of threes: the most in use 8
    a.dispose();
    const half = torch.zeros([MiB]);       // 4 MiB on a's block, its tail kept (within the budget)
    const b = torch.full([2 * MiB], 7);    // 8 MiB of sevens, fresh: resident 16, in use 12
    half.dispose();
    const again = torch.zeros([MiB]);      // 4 MiB on a's block, over the budget: its last 4 MiB given back (zeros now)
    again.dispose();                       // a's block idle, its tail dropped
    b.dispose();                           // b's block idle, all resident
    const e = torch.empty([2 * MiB]);      // uninitialized 8 MiB: the block it got shows through
    return torch.tidy(() => [e.min().item(), e.max().item()]);`);
  // b's block (sevens everywhere), not a's (zeros in both halves: a fault per page on touch)
  assert.deepEqual(values, [7, 7]);
});

test('a YOLO_CPU_CACHE_SLACK_MB that is not a number is named on stderr and the default slack is used', () => {
  const r = inFreshProcess({ YOLO_CPU_CACHE_SLACK_MB: 'lots' }, 'const s = torch.cpuCache.stats(); return s.budgetBytes - s.peakInUseBytes;');
  assert.match(r.stderr, /YOLO_CPU_CACHE_SLACK_MB='lots' is not a whole number of MB/);
  assert.equal(r.value, 256 * MiB);
});
