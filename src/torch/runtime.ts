// Process-wide engine settings and memory accounting.
import { native } from './native.js';

/** Live native tensors and the bytes of their distinct storages. */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

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
};

export function versions(): { torch: string; parallel: string } {
  return native.versions();
}
