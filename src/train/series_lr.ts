// The series' `lr_schedular` (part 6), exactly as its code computes it, and
// the series' own iteration counter that its training script feeds it.
//
//   if iteration == 0: iteration += 1
//   lr = min(1 / iteration**power, iteration / warmup_iter**(power + 1)) *
//        warmup_iter**power * (peak_lr - initial_lr) + initial_lr
//   lr = max(lr, 1e-7)
//
// A linear rise to peak_lr at t = W, then a decay as (W / t)^power towards
// initial_lr (never reached).

/** lr(t) of the series' lr_schedular, t its iteration (0 is counted as 1). */
export function seriesLr(t: number, lr0: number, peakLr: number, warmupIters: number, power = 1): number {
  const i = t === 0 ? 1 : t;
  const lr = Math.min(1 / i ** power, i / warmupIters ** (power + 1)) * warmupIters ** power * (peakLr - lr0) + lr0;
  return Math.max(lr, 1e-7);
}

/**
 * The series' counter after the batch with global 0-based index `m`: its
 * loop does `total_iters += ii` before each batch, ii the batch index within
 * the epoch, so after epoch e's batch ii it holds e·n(n−1)/2 + ii(ii+1)/2
 * for n batches per epoch (about +n²/2 per epoch: 300 at 25 batches).
 */
export function seriesCounter(m: number, batchesPerEpoch: number): number {
  const n = batchesPerEpoch;
  const e = Math.floor(m / n), ii = m % n;
  return (e * n * (n - 1)) / 2 + (ii * (ii + 1)) / 2;
}

/**
 * The rate of optimizer step `k` (0-based) in the series' script: the
 * optimizer starts at lr0 (Adam(lr=LR0)), and after every step the rate of
 * the next one is set from the counter of the batch just trained. With
 * `batchesPerEpoch` that counter is the series' (above); without it, it is
 * the step index itself, as lr(t) with t the iteration reads.
 */
export function seriesStepLr(k: number, s: { lr0: number; peakLr: number; warmupIters: number; power?: number; batchesPerEpoch?: number }): number {
  if (s.batchesPerEpoch === undefined) return seriesLr(k, s.lr0, s.peakLr, s.warmupIters, s.power ?? 1);
  if (k === 0) return s.lr0;
  return seriesLr(seriesCounter(k - 1, s.batchesPerEpoch), s.lr0, s.peakLr, s.warmupIters, s.power ?? 1);
}
