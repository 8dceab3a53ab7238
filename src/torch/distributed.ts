// Collective communication between training processes, through PyTorch's own
// c10d (native/src/distributed.cpp): a TCPStore rendezvous at MASTER_ADDR:
// MASTER_PORT and a process group on it, as torch.distributed's env:// init:
// backend 'gloo' (every build), or 'nccl' on cuda:LOCAL_RANK (an addon built
// against a CUDA libtorch). The collectives block until every rank has taken
// part; a timeout or a lost peer throws an Error naming this rank and the
// collective. Tensors must be contiguous and are changed in place; one not on
// the backend's device (CPU for Gloo, the rank's GPU for NCCL) is copied there
// and back.
import { native, type GroupHandle } from './native.js';
import { Tensor } from './tensor.js';
import { fromBytes } from './creation.js';

export interface ProcessGroupOptions {
  masterAddr: string;
  masterPort: number;
  rank: number;
  worldSize: number;
  /** Rendezvous and per-collective timeout in milliseconds (torch.distributed's default is 30 min; ours 60 s). */
  timeoutMs?: number;
  /** How long rank 0 waits for the others to connect (they start at different times); default timeoutMs. */
  rendezvousTimeoutMs?: number;
  /**
   * The store at masterAddr:masterPort is the launcher's (torchrun's static
   * rendezvous): no rank serves it, every rank uses it under this prefix.
   */
  agentStorePrefix?: string;
  /** 'gloo' (default) or 'nccl' (CUDA builds only). */
  backend?: DistBackend;
  /** NCCL's GPU: cuda:deviceIndex (default the rank; torchrun's convention is LOCAL_RANK). */
  deviceIndex?: number;
}

export const DIST_BACKENDS = ['gloo', 'nccl'] as const;
export type DistBackend = (typeof DIST_BACKENDS)[number];

export const DEFAULT_DIST_TIMEOUT_MS = 60_000;

const NO_NCCL = "this build has no NCCL: build the addon against a CUDA libtorch with LIBTORCH=/path/to/libtorch (README 'Using another libtorch')";

/** The backends compiled into the addon: ['gloo'], or ['gloo', 'nccl'] when built against a CUDA libtorch. */
export function availableBackends(): DistBackend[] {
  return native.distributedBackends() as DistBackend[];
}

/** Throws, with the remedy, when `backend` is not one this build can start. */
export function checkBackend(backend: string): DistBackend {
  if (!(DIST_BACKENDS as readonly string[]).includes(backend)) throw new Error(`distributed backend '${backend}' is not one of ${DIST_BACKENDS.join(', ')}`);
  if (!availableBackends().includes(backend as DistBackend)) throw new Error(backend === 'nccl' ? NO_NCCL : `this build has no ${backend}`);
  return backend as DistBackend;
}

export class ProcessGroup {
  #handle: GroupHandle | null;
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: DistBackend;
  /** Where the backend reads tensors: 'cpu' (Gloo) or 'cuda:N' (NCCL). */
  readonly device: string;
  /** This rank's GPU index (options.deviceIndex, default the rank): NCCL's device, and the trainer's for --device cuda. */
  readonly deviceIndex: number;

  private constructor(handle: GroupHandle, rank: number, worldSize: number, deviceIndex: number) {
    this.#handle = handle;
    this.rank = rank;
    this.worldSize = worldSize;
    this.deviceIndex = deviceIndex;
    const info = native.groupInfo(handle);
    this.backend = info.backend as DistBackend;
    this.device = info.device;
  }

  /** Joins the group: rank 0 serves the store; returns once every rank has connected (or throws at the timeout). */
  static init(o: ProcessGroupOptions): ProcessGroup {
    const backend = checkBackend(o.backend ?? 'gloo');
    const handle = native.initProcessGroup(o.masterAddr, o.masterPort, o.rank, o.worldSize, o.timeoutMs ?? DEFAULT_DIST_TIMEOUT_MS, o.rendezvousTimeoutMs, backend, o.deviceIndex, o.agentStorePrefix);
    return new ProcessGroup(handle, o.rank, o.worldSize, o.deviceIndex ?? o.rank);
  }

  get #h(): GroupHandle {
    if (this.#handle === null) throw new Error(`rank ${this.rank}: process group was already destroyed`);
    return this.#handle;
  }

  /** The native group, for the addon's other users of it (the gradient reducer, distributed_reducer.ts). */
  get nativeHandle(): GroupHandle {
    return this.#h;
  }

  /** Every tensor takes `root`'s values. */
  broadcast(tensors: readonly Tensor[], root = 0): void {
    native.broadcast(this.#h, tensors.map((t) => t.handle), root);
  }

  /** Every tensor becomes the elementwise sum over the ranks (Gloo has no average: divide by worldSize). */
  allreduceSum(tensors: readonly Tensor[]): void {
    native.allreduceSum(this.#h, tensors.map((t) => t.handle));
  }

  /**
   * A new tensor, the elementwise sum of `tensor` over the ranks, inside
   * autograd: its backward sums the incoming gradient over the ranks (every
   * rank's output depends on every rank's input), as
   * torch.distributed.nn.functional.all_reduce. Every rank must call it, and
   * later run the backward through it, in the same order. A collective that
   * fails in backward makes `backward` throw, naming the rank and the collective.
   */
  allreduceSumAutograd(tensor: Tensor): Tensor {
    return new Tensor(native.allreduceSumAutograd(this.#h, tensor.handle));
  }

  /** One tensor per rank, in rank order, on `tensor`'s device; every rank passes the same shape and dtype. The caller disposes them. */
  allgather(tensor: Tensor): Tensor[] {
    return native.allgather(this.#h, tensor.handle).map((h) => new Tensor(h));
  }

  /** Every rank's JSON-serialisable value, in rank order (torch.distributed.all_gather_object). */
  allgatherObject<T>(value: T): T[] {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    const lengths = this.#gatherBytes(new Uint8Array(new BigInt64Array([BigInt(bytes.length)]).buffer)).map((b) => Number(new BigInt64Array(b.buffer)[0]));
    const padded = new Uint8Array(Math.max(...lengths));
    padded.set(bytes);
    return this.#gatherBytes(padded).map((b, r) => JSON.parse(new TextDecoder().decode(b.subarray(0, lengths[r]))) as T);
  }

  #gatherBytes(bytes: Uint8Array): Uint8Array[] {
    const t = fromBytes(bytes, [bytes.length], 'uint8');
    try {
      const parts = this.allgather(t);
      const out = parts.map((p) => new Uint8Array(p.dataSync().buffer as ArrayBuffer));
      for (const p of parts) p.dispose();
      return out;
    } finally {
      t.dispose();
    }
  }

  barrier(): void {
    native.barrier(this.#h);
  }

  /** Sets a key of the rendezvous store (for waits longer than a collective's timeout; see waitKey). */
  setKey(key: string, value: string): void {
    native.storeSet(this.#h, key, value);
  }

  /** Waits up to timeoutMs for `key` in the store and returns its value; fails at once when rank 0 (the store's server) is gone. */
  waitKey(key: string, timeoutMs: number): string {
    return native.storeWait(this.#h, key, timeoutMs);
  }

  /** Closes the group's connections now. Idempotent. */
  destroy(): void {
    if (this.#handle === null) return;
    native.destroyProcessGroup(this.#handle);
    this.#handle = null;
  }
}

/**
 * The torchrun environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
 * LOCAL_RANK), or undefined when WORLD_SIZE is unset. Under torchrun's
 * static rendezvous (TORCHELASTIC_USE_AGENT_STORE=True) MASTER_PORT is
 * the agent's own store, which the workers share under
 * /worker/attempt_<TORCHELASTIC_RESTART_COUNT>, as torch.distributed does.
 */
export function torchrunEnv(env: NodeJS.ProcessEnv = process.env): (ProcessGroupOptions & { localRank: number }) | undefined {
  if (env.WORLD_SIZE === undefined) return undefined;
  const int = (name: string, fallback?: string) => {
    const text = env[name] ?? fallback;
    const v = Number(text);
    if (text === undefined || !Number.isInteger(v) || v < 0) throw new Error(`${name}=${text ?? ''}: expected a non-negative integer (torchrun's environment)`);
    return v;
  };
  const worldSize = int('WORLD_SIZE');
  const rank = int('RANK');
  if (worldSize < 1 || rank >= worldSize) throw new Error(`RANK=${rank} is not in WORLD_SIZE=${worldSize}`);
  const agent = env.TORCHELASTIC_USE_AGENT_STORE === 'True' ? { agentStorePrefix: `/worker/attempt_${int('TORCHELASTIC_RESTART_COUNT', '0')}` } : {};
  return { rank, worldSize, localRank: int('LOCAL_RANK', String(rank)), masterAddr: env.MASTER_ADDR ?? '127.0.0.1', masterPort: int('MASTER_PORT', '29500'), ...agent };
}
export { DdpReducer, type ReducerInfo } from './distributed_reducer.js';
