// Loads the libtorch addon (native/) and describes its functions. Everything
// else in src/torch goes through this module; nothing outside src/torch
// should import it.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** An opaque handle owning one native at::Tensor. */
export type Handle = { readonly __brand: 'TensorHandle' };
/** An opaque handle to a native random generator. */
export type GeneratorHandle = { readonly __brand: 'GeneratorHandle' };
/** An opaque handle owning one script object (a TorchScript custom class instance). */
export type ObjectHandle = { readonly __brand: 'ObjectHandle' };
/** An opaque handle to a c10d process group (Gloo). */
export type GroupHandle = { readonly __brand: 'GroupHandle' };
/** A c10d::Reducer (native/src/distributed_reducer.cpp). */
export type ReducerHandle = { readonly __brand: 'ReducerHandle' };

/** The CPU block cache's counters (native/src/cpu_allocator.cpp CpuCacheStats). */
export interface CpuCacheStats {
  hits: number;
  misses: number;
  mappedBytes: number;
  peakMappedBytes: number;
  /** Bytes of large blocks counted resident, in use now, at most in use at once, and the budget resident memory is held to (outside keepingPages). */
  residentBytes: number;
  inUseBytes: number;
  peakInUseBytes: number;
  budgetBytes: number;
}

export interface NativeAddon {
  dispose(h: Handle): void;
  disposeObject(h: ObjectHandle): void;
  isObjectHandle(h: unknown): boolean;
  isLive(h: Handle): boolean;
  memory(): { tensors: number; bytes: number };
  cpuCacheInfo(): { cachedBytes: number; limitBytes: number };
  emptyCpuCache(): void;
  cpuKeepPages(enter: boolean): void;
  /** One fused Adam/AdamW update in place; false (nothing changed) unless all four are dense float32 CPU tensors. hyper: [lr, beta1, beta2, eps, weightDecay, decoupled 0|1, step]. */
  adamUpdate(param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, hyper: number[]): boolean;
  cpuCacheStats(reset: boolean): CpuCacheStats;
  /** aten::max_pool2d(x, 2, 2) as one autograd Function (native/src/maxpool2x2.cpp); undefined unless x is a dense float32/float64 CPU tensor of 3 or 4 dims with H, W >= 2. */
  maxPool2x2(x: Handle): Handle | undefined;
  /** Training-mode batch norm + leaky ReLU as one fused forward (native/src/batchnorm_leaky.cpp); undefined (nothing changed) unless all are dense float32/float64 CPU tensors of one dtype, more than one value per channel and slope ≥ 0. hyper: [momentum, eps, slope]. */
  batchNormLeaky(x: Handle, weight: Handle, bias: Handle, runningMean: Handle, runningVar: Handle, hyper: number[]): Handle | undefined;
  findOp(name: string, overload: string): number;
  opSchema(id: number): string;
  listOverloads(name: string): string[];
  callOp(id: number, args: unknown[]): unknown;
  fromBuffer(data: ArrayBufferView, shape: number[], scalarType: number): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dtype(h: Handle): number;
  device(h: Handle): string;
  numel(h: Handle): number;
  sameTensor(a: Handle, b: Handle): boolean;
  /** Each tensor's version counter (aten::_version), in one call. */
  tensorVersions(hs: Handle[]): number[];
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, value: boolean): void;
  isLeaf(h: Handle): boolean;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, grad: Handle | null): void;
  backward(h: Handle, gradient: Handle | null, retainGraph: boolean | null, createGraph: boolean): void;
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number | bigint): void;
  newGenerator(seed: number | bigint): GeneratorHandle;
  generatorState(g: GeneratorHandle | null): Handle;
  setGeneratorState(g: GeneratorHandle | null, state: Handle): void;
  cudaDeviceCount(): number;
  setAllowTF32(enabled: boolean): void;
  cudaSynchronize(index: number): void;
  versions(): { torch: string; parallel: string };
  initProcessGroup(addr: string, port: number, rank: number, worldSize: number, timeoutMs: number, rendezvousTimeoutMs?: number, backend?: string, deviceIndex?: number, agentStorePrefix?: string): GroupHandle;
  distributedBackends(): string[];
  broadcast(g: GroupHandle, tensors: Handle[], root: number): void;
  allreduceSum(g: GroupHandle, tensors: Handle[]): void;
  /** A new tensor, the sum over ranks; differentiable: its backward allreduces the gradient. */
  allreduceSumAutograd(g: GroupHandle, tensor: Handle): Handle;
  allgather(g: GroupHandle, tensor: Handle): Handle[];
  barrier(g: GroupHandle): void;
  groupInfo(g: GroupHandle): { rank: number; worldSize: number; backend: string; device: string };
  destroyProcessGroup(g: GroupHandle): void;
  storeSet(g: GroupHandle, key: string, value: string): void;
  storeWait(g: GroupHandle, key: string, timeoutMs: number): string;
  reducerCreate(g: GroupHandle, params: Handle[], firstBucketBytes: number, bucketBytes: number): ReducerHandle;
  reducerPrepare(r: ReducerHandle): boolean;
  reducerInfo(r: ReducerHandle): ReducerInfo;
  reducerDestroy(r: ReducerHandle): void;
}

/** A reducer's buckets (indices into its parameters, in reduction order), their bytes, and its last armed backward's events in ns (-1: unset). */
export interface ReducerInfo {
  buckets: number[][];
  bytes: number;
  computeStartNs: number;
  computeEndNs: number;
  commStartNs: number;
  commEndNs: number;
}

function addonPath(): string {
  if (process.env.YOLO_NATIVE_PATH) return process.env.YOLO_NATIVE_PATH;
  // dist/src/torch/native.js and src/torch/native.ts both sit three levels under the root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  // A local node-gyp build first, then the prebuilt binary an installed package ships (scripts/addon_files.mjs).
  const candidates = [
    join(root, 'native', 'build', 'Release', 'yolov3_native.node'),
    join(root, '..', 'native', 'build', 'Release', 'yolov3_native.node'),
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'yolov3_native.node'),
  ];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** libgomp's spin count (GOMP_SPINCOUNT) the addon loads with unless the environment sets a policy or spin count. */
export const OPENMP_SPIN_COUNT = 10000;

/**
 * Loads the addon with libgomp's idle threads spinning briefly
 * (GOMP_SPINCOUNT=OPENMP_SPIN_COUNT, about 0.3-0.7 ms of pause
 * instructions) before they sleep, unless the environment sets a policy or
 * spin count. Why not libgomp's default, 300000 rounds (tens of ms) after
 * every parallel region: on a machine with more runnable threads than
 * cores, a spinning worker holds the core its sibling needs, and every
 * static-split op then waits at its barrier for a descheduled thread
 * (measured on 2 shared cores: the depthwise detector's median 250-570 ms
 * spinning, 30 ms passive; yolov3's batch-4 training step 9.0-10.0 s
 * against 4.5-5.8 s, load 6-10). Why not sleeping at once
 * (OMP_WAIT_POLICY=PASSIVE, the policy until 2026-12-02): the worker then
 * sleeps between every two operations of a forward and is woken for the
 * next (on a VM, tens of microseconds, more when its core went idle); the
 * depthwise detector's forward took 27.8-28.4 ms passive against 21.9-22.9
 * ms with this spin count (medians of 41 calls, 20 ms apart, 2 cores), and
 * the yolov3-tiny training step 0.49-0.50 s against 0.45-0.48 s; beside 3 busy
 * processes it was no slower (2.91-2.98 images/s against 2.77-3.09). Set
 * OMP_WAIT_POLICY=ACTIVE on a dedicated machine, PASSIVE on a crowded one.
 * libgomp reads the variables once, when it loads with libtorch; ours is
 * removed again, so child processes see the environment as it was.
 */
export function withShortOpenMpSpin<T>(loadAddon: () => T): T {
  const set = process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined;
  if (set) process.env.GOMP_SPINCOUNT = String(OPENMP_SPIN_COUNT);
  try {
    return loadAddon();
  } finally {
    if (set) delete process.env.GOMP_SPINCOUNT;
  }
}

function load(): NativeAddon {
  const path = addonPath();
  if (!existsSync(path)) {
    throw new Error(`yolov3-ts: native addon not found at ${path}; in a clone run \`npm run build\` (it installs libtorch and builds the addon), where installed as a dependency \`npm rebuild yolov3-ts\``);
  }
  const addon = withShortOpenMpSpin(() => createRequire(import.meta.url)(path) as NativeAddon);
  // libtorch starts with one thread on some machines; use every core unless told otherwise.
  const requested = Number(process.env.YOLO_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? availableParallelism());
  addon.setNumThreads(Number.isInteger(requested) && requested > 0 ? requested : availableParallelism());
  return addon;
}

export const native: NativeAddon = load();
