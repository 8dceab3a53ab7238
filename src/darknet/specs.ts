// Typed layer specs: what a darknet .cfg says, resolved (absolute layer
// indices, actual padding in pixels, anchors in pixels) and validated.
import type { SourceLoc, CfgWarning } from './errors.js';

export type Activation = 'linear' | 'leaky' | 'relu' | 'mish' | 'swish' | 'logistic' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'leaky', 'relu', 'mish', 'swish', 'logistic', 'tanh'];

/** [net] / [network]: input size and the training settings, kept for the trainer. */
export interface NetSpec {
  where: SourceLoc;
  width: number;
  height: number;
  channels: number;
  batch: number;
  subdivisions: number;
  learningRate: number;
  momentum: number;
  decay: number;
  burnIn: number;
  maxBatches: number;
  policy: string;
  steps: number[];
  scales: number[];
  hue: number;
  saturation: number;
  exposure: number;
  angle: number;
  jitter: number;
  /** Other [net] settings darknet reads (adam, power, gamma, ...), as written. */
  extra: Record<string, string>;
}

interface Base {
  /** Position in the layer list (darknet's layer number, [net] excluded). */
  index: number;
  where: SourceLoc;
  /**
   * Training-only settings as written: darknet's per-layer `learning_rate`
   * scale, `stopbackward`, `smooth`; AlexeyAB's [yolo] loss keys (iou_loss,
   * iou_normalizer, ...).
   */
  extra: Record<string, string>;
}

export interface ConvSpec extends Base {
  type: 'convolutional';
  filters: number;
  size: number;
  stride: number;
  /** Zero padding on each side in pixels (pad=1 means size/2). */
  padding: number;
  groups: number;
  batchNormalize: boolean;
  activation: Activation;
}

/** Adds layer `from` to the previous output: out = alpha*prev + beta*from, then the activation. */
export interface ShortcutSpec extends Base {
  type: 'shortcut';
  from: number;
  activation: Activation;
  alpha: number;
  beta: number;
}

/** Concatenates the outputs of `layers` along channels; with groups, only part group_id of each. */
export interface RouteSpec extends Base {
  type: 'route';
  layers: number[];
  groups: number;
  groupId: number;
}

export interface UpsampleSpec extends Base {
  type: 'upsample';
  stride: number;
  scale: number;
}

/** Darknet pads `padding` in total (default size-1): floor(padding/2) before, the rest after. */
export interface MaxPoolSpec extends Base {
  type: 'maxpool';
  size: number;
  stride: number;
  padding: number;
}

export interface YoloSpec extends Base {
  type: 'yolo';
  /** Indices into `anchors` used by this head. */
  mask: number[];
  /** All anchors of the cfg as [w, h] in input pixels. */
  anchors: [number, number][];
  classes: number;
  jitter: number;
  ignoreThresh: number;
  truthThresh: number;
  /** Multi-scale training: 0 off, 1 on; AlexeyAB's cfgs may give a resize factor such as 1.4. */
  random: number;
  /** Box centre = (sigmoid(t) * s - (s - 1) / 2 + cell) * stride. 1 in yolov3. */
  scaleXY: number;
}

export interface DropoutSpec extends Base {
  type: 'dropout';
  probability: number;
}

/** Global average pooling to 1x1. */
export interface AvgPoolSpec extends Base {
  type: 'avgpool';
}

export type LayerSpec = ConvSpec | ShortcutSpec | RouteSpec | UpsampleSpec | MaxPoolSpec | YoloSpec | DropoutSpec | AvgPoolSpec;
export type LayerType = LayerSpec['type'];

export interface DarknetCfg {
  file: string;
  net: NetSpec;
  layers: LayerSpec[];
  /** Output channels of each layer (independent of the input size). */
  channels: number[];
  warnings: CfgWarning[];
}
