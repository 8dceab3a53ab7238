// `--device cpu|cuda|cuda:N` for train and val: checked before any work, so
// a machine without CUDA fails at once with the reason and the remedy.
import { cuda } from './runtime.js';
import type { Device } from './tensor.js';

const NO_CUDA = "CUDA is not available in this libtorch build (Debian's libtorch-dev is CPU-only); see README 'Using another libtorch'";

/** Validates a device name and its availability; returns it as a Device. */
export function resolveDevice(spec: string | undefined): Device {
  const name = (spec ?? 'cpu').trim();
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(name);
  if (!m || (m[1] === 'cpu' && m[2] !== undefined)) throw new Error(`device '${name}' is not one of cpu, cuda, cuda:N`);
  if (m[1] === 'cpu') return 'cpu';
  const count = cuda.deviceCount();
  if (count === 0) throw new Error(`device '${name}': ${NO_CUDA}`);
  const index = m[2] === undefined ? 0 : Number(m[2]);
  if (index >= count) throw new Error(`device '${name}': only ${count} CUDA device${count === 1 ? '' : 's'} (cuda:0${count > 1 ? `..cuda:${count - 1}` : ''})`);
  return name as Device;
}
