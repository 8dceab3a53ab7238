// The Darknet module: a model built from parsed cfg specs. Training mode
// returns the raw YOLO heads [B, na, h, w, 5+nc]; eval mode returns decoded
// boxes [B, N, 5+nc] in input pixels.
import * as torch from '../torch/index.js';
import { Module, toChannelsLast, blockSize, isBlocked, fromBlocked, toBlocked, trainingBlockSize } from '../nn/index.js';
import { ConvBlock, packedActivation } from './conv_block.js';
import { layerReads, blockedOutputs, blockedRoute, blockedShortcut, blockedUpsample, blockedMaxpool, denseKernelShare } from './blocked_layers.js';
import { decodeHeads } from '../yolo/decode_heads.js';
import { headLayout, darknetYoloOutput, type HeadInfo } from './head_layout.js';
import * as L from './layers.js';
import { layerShapes } from './shapes.js';
import { readCfg, parseCfg, type ParseOptions } from './cfg_parse.js';
import { summarize, type ModelSummary } from './summary.js';
import type { DarknetCfg, LayerSpec } from './specs.js';
import { where } from './errors.js';

type Tensor = torch.Tensor;

/** The .weights header: version and the number of images seen in training. */
export interface WeightsHeader {
  major: number;
  minor: number;
  revision: number;
  seen: number;
}

/** Holds the conv blocks as children '0', '12', ... (their layer numbers). */
class LayerTable extends Module {
  add(index: number, m: Module): void {
    this.registerModule(String(index), m);
  }
  forward(): never {
    throw new Error('LayerTable has no forward');
  }
}

/** What one forward's layers share: their outputs, the heads so far, and how the forward runs. */
interface RunState {
  outs: (Tensor | null)[];
  heads: Tensor[];
  want: Set<number>;
  /** The first layer's input. */
  first: Tensor;
  /** The fused inference path (folded convs, channels-last or blocked). */
  inference: boolean;
  /** The channel block of blocked activations (nn/blocked.ts), 0: none. */
  block: number;
  /** Shortcuts already added by the conv before them. */
  addedInto: Set<number>;
}

export class Darknet extends Module {
  readonly cfg: DarknetCfg;
  /** One entry per layer: its ConvBlock, or null for layers without weights. */
  readonly blocks: (ConvBlock | null)[];
  readonly heads: HeadInfo[];
  /** Header of the last .weights loaded; written back by saveWeights. */
  header: WeightsHeader = { major: 0, minor: 2, revision: 0, seen: 0 };
  /** The file the weights came from (loadModelFile), so errors about them can name it; absent: random weights. */
  weightsFile?: string;
  /** For each layer, the last layer that reads its output (itself when none). */
  readonly #lastUse: number[];
  /** For each layer, whether an inference forward may leave its output blocked (blocked_layers.ts). */
  readonly #blockedOut: boolean[];
  #fused = false;
  /** How many layer outputs the last forward left in oneDNN's blocked layout (nn/blocked.ts); 0 on the plain path. */
  lastBlockedOutputs = 0;

  constructor(cfg: DarknetCfg) {
    super();
    this.cfg = cfg;
    const table = this.registerModule('layers', new LayerTable());
    this.blocks = cfg.layers.map((spec, i) => {
      if (spec.type !== 'convolutional') return null;
      const block = new ConvBlock(spec, i === 0 ? cfg.net.channels : cfg.channels[i - 1]);
      table.add(i, block);
      return block;
    });
    this.heads = cfg.layers.flatMap((l) => (l.type === 'yolo' ? [{
      layer: l.index, mask: l.mask, anchors: l.mask.map((m) => l.anchors[m]), classes: l.classes, scaleXY: l.scaleXY,
    }] : []));
    this.#lastUse = cfg.layers.map((_, i) => i);
    cfg.layers.forEach((l, i) => {
      for (const j of layerReads(l, i)) if (j >= 0) this.#lastUse[j] = Math.max(this.#lastUse[j], i);
    });
    this.#blockedOut = blockedOutputs(cfg.layers, (l) => l.type === 'convolutional' && packedActivation(l.activation) !== null);
  }

  /**
   * With `enabled` (default), eval-mode forwards without autograd fold each
   * batch norm into its convolution (in float64: within 1e-4 of darknet on
   * the parity tests, as the unfolded path) and run channels-last on oneDNN.
   * The folded weights are built at the first such forward and rebuilt after
   * any parameter changes; they live until `fuseForInference(false)` or dispose.
   */
  fuseForInference(enabled = true): this {
    this.#fused = enabled;
    for (const b of this.blocks) {
      if (!b) continue;
      b.fused = enabled;
      if (!enabled) b.releaseFolded();
    }
    return this;
  }

  static fromFile(path: string, options: ParseOptions = {}): Darknet {
    return new Darknet(readCfg(path, options));
  }

  static fromText(text: string, options: ParseOptions = {}): Darknet {
    return new Darknet(parseCfg(text, options));
  }

  /** Training mode: raw heads (Tensor[]); eval mode: decoded boxes (Tensor). */
  forward(x: Tensor): Tensor[] | Tensor {
    return this.training ? this.forwardHeads(x) : this.predict(x);
  }

  /** Decoded boxes [B, N, 5+nc] (x, y, w, h in input pixels, objectness, classes), in any mode. */
  predict(x: Tensor): Tensor {
    const heads = this.forwardHeads(x);
    try {
      return this.decode(heads, x.shape[3], x.shape[2]);
    } finally {
      torch.dispose(heads);
    }
  }

  /** Raw heads (forwardHeads) of an inputWidth x inputHeight input to decoded boxes [B, N, 5+nc], as predict. */
  decode(heads: Tensor[], inputWidth: number, inputHeight: number): Tensor {
    return decodeHeads(heads, heads.map((raw, i) => ({ ...this.heads[i], stride: [inputWidth / raw.shape[3], inputHeight / raw.shape[2]] })));
  }

  /** Head strides [x, y] in pixels for an input size (32, 16, 8 for yolov3). */
  strides(width = this.cfg.net.width, height = this.cfg.net.height): [number, number][] {
    const shapes = layerShapes(this.cfg, height, width);
    return this.heads.map((h) => [width / shapes[h.layer].output[2], height / shapes[h.layer].output[1]]);
  }

  /** Raw heads [B, na, h, w, 5+nc], one per [yolo] layer, before any activation. */
  forwardHeads(x: Tensor): Tensor[] {
    return this.#runLayers(x, new Set()).heads;
  }

  /**
   * Outputs of the given layers as darknet holds them, [B, C, H, W] (a [yolo]
   * layer's after its sigmoids): for features, and for parity checks.
   */
  forwardLayers(x: Tensor, layers: number[]): Tensor[] {
    for (const l of layers) if (!(l >= 0 && l < this.cfg.layers.length)) throw new RangeError(`forwardLayers: no layer ${l}`);
    const { heads, kept } = this.#runLayers(x, new Set(layers));
    torch.dispose(heads);
    return layers.map((l, i) => (layers.indexOf(l) === i ? kept.get(l)! : L.alias(kept.get(l)!)));
  }

  /** Whether a forward now takes the fused inference path: fused, eval mode, autograd off. */
  get #inference(): boolean {
    return this.#fused && !this.training && !torch.isGradEnabled();
  }

  /**
   * #run; a fused inference forward keeps the block cache's pages: each one
   * repeats the last one's allocations, whose dropped pages it would fault
   * in again (native/src/cpu_allocator.cpp).
   */
  #runLayers(x: Tensor, want: Set<number>): { heads: Tensor[]; kept: Map<number, Tensor> } {
    return this.#inference ? torch.cpuCache.keepingPages(() => this.#run(x, want)) : this.#run(x, want);
  }

  #run(x: Tensor, want: Set<number>): { heads: Tensor[]; kept: Map<number, Tensor> } {
    if (x.ndim !== 4 || x.shape[1] !== this.cfg.net.channels) {
      throw new Error(`${where(this.cfg.net.where)}: [net] channels=${this.cfg.net.channels}: expected input [B, ${this.cfg.net.channels}, H, W], got [${x.shape}]`);
    }
    const shapes = layerShapes(this.cfg, x.shape[2], x.shape[3]); // a size the cfg cannot take fails here, naming the layer
    // fused inference runs channels-last throughout (its folded convs' weights are, conv_block.ts),
    // its activations blocked between convolutions where oneDNN has that layout (nn/blocked.ts)
    const inference = this.#inference;
    const first = inference ? toChannelsLast(x) : x;
    const s: RunState = { outs: [], heads: [], want, first, inference, block: want.size > 0 ? 0 : inference ? blockSize(process.env, denseKernelShare(this.cfg.layers, shapes)) : this.training && torch.isGradEnabled() ? trainingBlockSize() : 0, addedInto: new Set() };
    const { outs, heads } = s;
    this.lastBlockedOutputs = 0;
    const kept = new Map<number, Tensor>();
    try {
      this.cfg.layers.forEach((spec, i) => {
        const out = this.#layer(spec, i, s);
        outs.push(out);
        if (out && isBlocked(out)) this.lastBlockedOutputs++;
        if (want.has(i)) kept.set(i, L.alias(out!));
        // free what no later layer reads
        for (let j = Math.max(0, i - 1); j <= i; j++) if (this.#lastUse[j] <= i) this.#free(outs, j);
        if (spec.type === 'route' || spec.type === 'shortcut') {
          for (const j of spec.type === 'route' ? spec.layers : [spec.from]) if (this.#lastUse[j] <= i) this.#free(outs, j);
        }
      });
    } catch (e) {
      torch.dispose([heads, [...kept.values()]]);
      throw e;
    } finally {
      for (let j = 0; j < outs.length; j++) this.#free(outs, j);
      if (first !== x) first.dispose();
    }
    return { heads, kept };
  }

  /** Layer i's output (a new tensor, or null for a head nothing reads); blocked layouts where s.block allows. */
  #layer(spec: LayerSpec, i: number, s: RunState): Tensor | null {
    const { outs, block } = s;
    const input = () => (i === 0 ? s.first : outs[i - 1]!);
    const plain = (j: number) => (j < 0 ? s.first : this.#plain(outs, j)); // j < 0: the first layer's input
    switch (spec.type) {
      case 'convolutional': {
        const outputBlock = block && this.#blockedOut[i] ? block : 0;
        if (block && !s.inference) return this.blocks[i]!.forwardTraining(input(), block, outputBlock);
        // oneDNN has few fast kernels from channels-last to blocked (a first layer's few channels from nchw): a reorder first
        const reordered = outputBlock && i > 0 && !isBlocked(input()) && this.cfg.channels[i - 1] >= block ? toBlocked(input(), block) : null;
        const x = reordered ?? input();
        try {
          // inference: the shortcut right after may be added in the conv's own pass, into its `from` buffer
          const into = s.inference ? this.#fusableShortcut(i, s.want, outs) : null;
          const out = into ? this.blocks[i]!.forwardInto(x, into) : null;
          if (out) s.addedInto.add(i + 1);
          return out ?? this.blocks[i]!.forward(x, outputBlock);
        } finally {
          reordered?.dispose();
        }
      }
      case 'yolo': {
        const raw = headLayout(plain(i - 1), spec.mask.length);
        s.heads.push(raw);
        return this.#lastUse[i] > i || s.want.has(i) ? darknetYoloOutput(raw) : null;
      }
      case 'route':
        if (block) return blockedRoute(spec, outs, this.cfg.channels) ?? L.route(spec, outs.map((_, j) => (spec.layers.includes(j) ? plain(j) : null)));
        return L.route(spec, outs);
      case 'shortcut': {
        if (s.addedInto.has(i)) return outs.splice(i - 1, 1, null)[0]; // the conv before did the add: its output is the sum
        const overwrite = s.inference && this.#ownsOutput(i - 1, i, s.want) && spec.from !== i - 1;
        const sum = block ? blockedShortcut(spec, input(), outs[spec.from]!, this.cfg.channels[i - 1] === this.cfg.channels[spec.from], overwrite) : null;
        return sum ?? L.shortcut(spec, plain(i - 1), plain(spec.from), overwrite);
      }
      case 'upsample': return (block ? blockedUpsample(spec, input()) : null) ?? L.upsample(spec, plain(i - 1));
      case 'maxpool': return (block ? blockedMaxpool(spec, input()) : null) ?? L.maxpool(spec, plain(i - 1));
      case 'avgpool': return L.avgpool(spec, plain(i - 1));
      case 'dropout': return L.dropout(spec, plain(i - 1), this.training);
    }
  }

  /** outs[j] as [N, C, H, W]: a blocked output is replaced by its plain copy. */
  #plain(outs: (Tensor | null)[], j: number): Tensor {
    const t = outs[j]!;
    if (!isBlocked(t)) return t;
    outs[j] = fromBlocked(t, this.cfg.channels[j]);
    t.dispose();
    return outs[j]!;
  }

  /**
   * For conv layer i followed by a plain shortcut (out = conv + from, linear)
   * whose `from` output is its own buffer (a conv's or shortcut's) with as many channels that
   * nothing reads after the shortcut, and the conv's output read by the
   * shortcut alone: that buffer, which the conv may add into.
   */
  #fusableShortcut(i: number, want: Set<number>, outs: (Tensor | null)[]): Tensor | null {
    const next = this.cfg.layers[i + 1];
    if (next?.type !== 'shortcut' || next.from === i || next.alpha !== 1 || next.beta !== 1 || next.activation !== 'linear') return null;
    // a conv's or a shortcut's output is its own buffer (a shortcut's is a conv's, added into, or a new sum)
    const f = next.from;
    const ownsFrom = ['convolutional', 'shortcut'].includes(this.cfg.layers[f].type) && this.#lastUse[f] === i + 1 && !want.has(f);
    if (this.#lastUse[i] !== i + 1 || want.has(i) || !ownsFrom || !this.#onlyConvsRead(f, i)) return null;
    const from = outs[f];
    return from && this.cfg.channels[f] === this.cfg.channels[i] ? from : null; // its height and width: PackedConv.forwardInto checks
  }

  /**
   * Whether every layer in (f, i) that reads layer f's output is a conv (a
   * new buffer, no view of it) and layer i does not read it: then nothing
   * the conv of layer i reads shares f's buffer, which it may write into.
   */
  #onlyConvsRead(f: number, i: number): boolean {
    for (let j = f + 1; j <= i; j++) {
      const l = this.cfg.layers[j];
      if (layerReads(l, j).includes(f) && (j === i || l.type !== 'convolutional')) return false;
    }
    return true;
  }

  /** Whether layer j's output is its own buffer (a conv's), read by layer i alone and not asked for: i may overwrite it. */
  #ownsOutput(j: number, i: number, want: Set<number>): boolean {
    return this.cfg.layers[j].type === 'convolutional' && this.#lastUse[j] === i && !want.has(j);
  }

  #free(outs: (Tensor | null)[], j: number): void {
    outs[j]?.dispose();
    outs[j] = null;
  }

  summary(size: { width?: number; height?: number } = {}): ModelSummary {
    return summarize(this.cfg, size);
  }
}
