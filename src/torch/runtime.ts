// Process-wide engine settings and memory accounting.
import { native, type CpuCacheStats } from './native.js';

/** Live native tensors and the bytes of their distinct storages. */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

/**
 * The addon's CPU block cache (native/src/cpu_allocator.cpp): freed blocks of
 * 1 MiB or more are kept for reuse, which spares the page faults of fresh
 * memory on every step. `cachedBytes` is what it holds now (not in use by any
 * tensor); the limit is YOLO_CPU_CACHE_MB (default a quarter of RAM, 0 = off).
 */
export const cpuCache = {
  info(): { cachedBytes: number; limitBytes: number } {
    return native.cpuCacheInfo();
  },
  /**
   * Large requests served from idle blocks (`hits`) or mapped afresh
   * (`misses`, page faults on first touch), and the bytes of large blocks
   * mapped (in use + idle) now and at most; the bytes counted resident, in
   * use and at most in use at once, and the budget resident memory is held
   * to: at most in use plus YOLO_CPU_CACHE_SLACK_MB (default 256); `reset`
   * starts the counters and the mapped peak afresh after reading them.
   */
  stats(reset = false): CpuCacheStats {
    return native.cpuCacheStats(reset);
  },
  /**
   * Runs `fn` with idle blocks keeping their pages: a block that serves a
   * smaller request keeps the tail it does not use resident instead of
   * giving it back, beyond the budget too (stats().budgetBytes), and no idle
   * block gives its pages back. For work that repeats the same requests (an
   * inference forward), where the tail is needed again soon and a page fault
   * costs more than the memory (native/src/cpu_allocator.cpp).
   */
  keepingPages<T>(fn: () => T): T {
    native.cpuKeepPages(true);
    try {
      return fn();
    } finally {
      native.cpuKeepPages(false);
    }
  },
  /** Returns the cached blocks to the system (e.g. before a memory-hungry step elsewhere). */
  empty(): void {
    native.emptyCpuCache();
  },
};

export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export const cuda = {
  isAvailable(): boolean {
    return native.cudaDeviceCount() > 0;
  },
  deviceCount(): number {
    return native.cudaDeviceCount();
  },
  /** TF32 in cuDNN convolutions and cuBLAS products (libtorch's default: on for cuDNN); off gives float32 results comparable with the CPU's. */
  setAllowTF32(enabled: boolean): void {
    native.setAllowTF32(enabled);
  },
  /** Waits for the work queued on cuda:index (kernels run asynchronously), as torch.cuda.synchronize; for timings. */
  synchronize(index = 0): void {
    native.cudaSynchronize(index);
  },
};

export function versions(): { torch: string; parallel: string } {
  return native.versions();
}
