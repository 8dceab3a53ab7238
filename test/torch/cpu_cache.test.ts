// The addon's CPU block cache: large freed blocks are reused for the same
// size (or a smaller one, unless the block is far larger; of blocks it may take, the
// one with most of its pages still resident), a miss frees idle blocks before
// mapping more, never leak values into a new tensor's defined contents, stay under
// the limit, and YOLO_CPU_CACHE_MB=0 turns the cache off.
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
function cachedAfterFreeing(limitMb: string, blocks: number): { cachedBytes: number; limitBytes: number } {
  const script = `
    const torch = await import(${JSON.stringify(runtime)});
    const ts = Array.from({ length: ${blocks} }, () => torch.ones([${MiB}]));
    for (const t of ts) t.dispose();
    console.log(JSON.stringify(torch.cpuCache.info()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, YOLO_CPU_CACHE_MB: limitMb }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('of two idle blocks of a size, a request takes the one whose pages are all resident, not the one whose tail was given back', () => {
  const start = torch.memory().tensors;
  torch.cpuCache.empty();
  const a = torch.full([2 * MiB], 3); // 8 MiB of threes
  const b = torch.full([2 * MiB], 7); // 8 MiB of sevens
  a.dispose();
  const half = torch.zeros([MiB]); // 4 MiB: takes a's block and gives its last 4 MiB back (they read as zeros now)
  half.dispose(); // a's block idle first, its tail dropped
  b.dispose(); // b's block idle second, all resident
  const e = torch.empty([2 * MiB]); // uninitialized 8 MiB: the block it got shows through
  const hits = torch.cpuCache.stats().hits;
  // b's block (sevens everywhere), not a's (zeros in both halves: a fault per page on touch)
  assert.deepEqual(torch.tidy(() => [e.min().item(), e.max().item()]), [7, 7]);
  assert.ok(hits >= 2);
  e.dispose();
  torch.cpuCache.empty();
  assert.equal(torch.memory().tensors, start);
});

test('the cache stays under YOLO_CPU_CACHE_MB, and 0 turns it off', () => {
  const limited = cachedAfterFreeing('8', 3);
  assert.equal(limited.limitBytes, 8 * MiB);
  assert.equal(limited.cachedBytes, 8 * MiB, 'two of the three 4 MiB blocks fit');
  const off = cachedAfterFreeing('0', 3);
  assert.deepEqual(off, { cachedBytes: 0, limitBytes: 0 });
});

test('a YOLO_CPU_CACHE_MB that is not a number is named on stderr and the default limit is used', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const torch = await import(${JSON.stringify(runtime)}); console.log(JSON.stringify(torch.cpuCache.info()));`],
    { env: { ...process.env, YOLO_CPU_CACHE_MB: '2GB' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /YOLO_CPU_CACHE_MB='2GB' is not a whole number of MB/);
  assert.ok(JSON.parse(r.stdout.trim()).limitBytes > 0, 'the default limit applies');
});

/** Resident memory of this process (statm's second field, in pages). */
const residentBytes = () => Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * 4096;

test('keepingPages: a smaller request keeps the idle block\'s unused tail resident, and only while fn runs (also when it throws)', () => {
  const start = torch.memory().tensors;
  torch.cpuCache.empty();
  /** Resident bytes given back when a 26 MiB request takes a freshly written, idle 48 MiB block. */
  const droppedBy = (take: (f: () => void) => void): number => {
    torch.full([12 * MiB], 1).dispose(); // 48 MiB written (resident), then idle
    let dropped = 0;
    take(() => {
      const before = residentBytes();
      const t = torch.empty([6.5 * MiB]); // 26 MiB: under twice the block, so served by it; its pages untouched
      dropped = before - residentBytes();
      t.dispose();
    });
    return dropped;
  };
  const plain = (f: () => void) => f();
  assert.ok(droppedBy(plain) > 16 * MiB, 'without keepingPages the 22 MiB tail goes back');
  assert.ok(Math.abs(droppedBy((f) => torch.cpuCache.keepingPages(f))) < 8 * MiB, 'inside keepingPages it stays');
  assert.throws(() => torch.cpuCache.keepingPages(() => { throw new Error('boom'); }), /boom/);
  assert.ok(droppedBy(plain) > 16 * MiB, 'after keepingPages (even one that threw) tails go back again');
  torch.cpuCache.empty();
  assert.equal(torch.memory().tensors, start);
});
