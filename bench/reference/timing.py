"""Timing shared by the Python reference benchmarks, matching bench/timing.ts:
the median of `repeats` runs after two warm-up runs."""
import time


def median_time(fn, repeats):
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]
