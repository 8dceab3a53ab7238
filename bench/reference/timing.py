"""Timing shared by the Python reference benchmarks, matching bench/timing.ts:
each run's time after warm-up runs, or their median after two warm-ups."""
import time


def run_times(fn, repeats, warmup):
    """Seconds of each of `repeats` runs of `fn`, after `warmup` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def median_time(fn, repeats):
    times = sorted(run_times(fn, repeats, 2))
    return times[len(times) // 2]
