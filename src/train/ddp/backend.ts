// Which c10d backend and GPUs a data-parallel run uses, decided before any
// worker starts, so a machine that cannot run it fails at once with the
// reason: NCCL with --device cuda (what torchrun users pick for GPUs), else
// Gloo; with a plain --device cuda each worker trains on cuda:LOCAL_RANK
// (setup.ts maps it), as torch.distributed's one-process-per-GPU convention.
import { cuda } from '../../torch/runtime.js';
import { checkBackend, type DistBackend } from '../../torch/distributed.js';
import { resolveDevice } from '../../torch/resolve_device.js';

const onCuda = (device: string | undefined) => (device ?? 'cpu').startsWith('cuda');

/** The backend for `device`: the one asked for, else nccl on CUDA and gloo on the CPU; throws when this build or device cannot run it. */
export function chooseBackend(device: string | undefined, backend?: string): DistBackend {
  const chosen = backend ?? (onCuda(device) ? 'nccl' : 'gloo');
  if (chosen === 'nccl' && !onCuda(device)) throw new Error('--backend nccl reduces CUDA tensors: give --device cuda (each worker then trains on cuda:LOCAL_RANK)');
  return checkBackend(chosen);
}

/** Before the launcher starts `nproc` workers on `device`: CUDA is there, and a plain 'cuda' has a GPU for each worker. */
export function checkLaunchDevice(device: string | undefined, nproc: number): void {
  if (!onCuda(device)) return;
  resolveDevice(device); // no CUDA: the error with the remedy
  const count = cuda.deviceCount();
  if (device === 'cuda' && count < nproc) throw new Error(`--nproc ${nproc} --device cuda: each worker takes its own GPU (cuda:LOCAL_RANK), and this machine has ${count}`);
}

/** A rank's own device: a plain 'cuda' becomes cuda:deviceIndex (LOCAL_RANK); anything else is kept. */
export function rankDevice(device: string, deviceIndex: number): string {
  return device === 'cuda' ? `cuda:${deviceIndex}` : device;
}
