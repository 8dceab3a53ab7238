// One reader per darknet section, after darknet's parse_* functions in
// parser.c: the same keys, the same defaults. `inC` is the input channel
// count, `chans` the output channels of every earlier layer.
import { SectionReader } from './section_reader.js';
import { ACTIVATIONS, type Activation, type LayerSpec, type YoloSpec } from './specs.js';

export interface LayerContext {
  index: number;
  inC: number;
  chans: number[];
}

/** Loss settings of AlexeyAB's [yolo]: known (no warning), kept for the trainer. */
const YOLO_LOSS_KEYS = ['iou_loss', 'iou_normalizer', 'cls_normalizer', 'obj_normalizer', 'iou_thresh', 'nms_kind', 'beta_nms', 'max_delta', 'label_smooth_eps', 'max', 'resize', 'focal_loss', 'counters_per_class'];

function activation(r: SectionReader, fallback: Activation): Activation {
  const a = r.str('activation', fallback);
  if (!(ACTIVATIONS as readonly string[]).includes(a)) r.fail('activation', `unknown activation '${a}' (known: ${ACTIVATIONS.join(', ')})`);
  return a as Activation;
}

/** A layer index as written (negative = relative), made absolute and checked. */
function layerIndex(r: SectionReader, key: string, value: number, ctx: LayerContext): number {
  const abs = value < 0 ? ctx.index + value : value;
  if (abs < 0 || abs >= ctx.index) r.fail(key, `${key}=${value} points to layer ${abs}, outside layers 0..${ctx.index - 1}`);
  return abs;
}

function positive(r: SectionReader, key: string, v: number): number {
  if (!(v > 0)) r.fail(key, `${key}=${v} must be positive`);
  return v;
}

/** Keys darknet reads in every section (parse_network_cfg), kept for the trainer. */
const TRAINING_KEYS = ['learning_rate', 'stopbackward', 'smooth'];

export function parseLayer(r: SectionReader, ctx: LayerContext): LayerSpec {
  const extra: Record<string, string> = {};
  r.keep(TRAINING_KEYS, extra);
  // darknet leaves these layers' values out of the .weights file it reads: another layout
  r.unsupported('dontload', ['0']);
  r.unsupported('dontloadscales', ['0']);
  const base = { index: ctx.index, where: { file: r.section.file, line: r.section.line }, extra };
  switch (r.section.name) {
    case 'convolutional':
    case 'conv': {
      const size = positive(r, 'size', r.int('size', 1));
      const pad = r.bool('pad', false);
      let padding = r.int('padding', 0);
      if (pad) padding = Math.floor(size / 2);
      const groups = positive(r, 'groups', r.int('groups', 1));
      const filters = positive(r, 'filters', r.int('filters', 1));
      if (ctx.inC % groups !== 0 || filters % groups !== 0) r.fail('groups', `groups=${groups} must divide the input channels (${ctx.inC}) and filters (${filters})`);
      // libtorch indexes a tensor's storage with 64-bit sizes, but a weight this large cannot be allocated or read from .weights (int32 counts)
      const weights = filters * (ctx.inC / groups) * size * size;
      if (weights > 2 ** 31 - 1) r.fail('size', `filters=${filters}, size=${size} on ${ctx.inC} input channels make ${weights} weights, more than a layer can hold (2^31 − 1)`);
      r.unsupported('dilation', ['1']);
      r.unsupported('binary', ['0']);
      r.unsupported('xnor', ['0']);
      r.unsupported('antialiasing', ['0']);
      return { ...base, type: 'convolutional', filters, size, stride: positive(r, 'stride', r.int('stride', 1)), padding, groups, batchNormalize: r.bool('batch_normalize', false), activation: activation(r, 'logistic') };
    }
    case 'shortcut': {
      const from = r.list('from');
      if (!from || from.length !== 1) r.fail('from', from ? `from=${from.join(',')}: only one layer is supported` : 'from= is required');
      r.unsupported('weights_type', ['none']);
      return { ...base, type: 'shortcut', from: layerIndex(r, 'from', from[0], ctx), activation: activation(r, 'linear'), alpha: r.float('alpha', 1), beta: r.float('beta', 1) };
    }
    case 'route': {
      const layers = r.list('layers');
      if (!layers || layers.length === 0) r.fail('layers', 'layers= is required');
      const groups = positive(r, 'groups', r.int('groups', 1));
      const groupId = r.int('group_id', 0);
      if (groupId < 0 || groupId >= groups) r.fail('group_id', `group_id=${groupId} outside 0..${groups - 1}`);
      const abs = layers.map((l) => layerIndex(r, 'layers', l, ctx));
      for (const l of abs) if (ctx.chans[l] % groups !== 0) r.fail('groups', `groups=${groups} does not divide the ${ctx.chans[l]} channels of layer ${l}`);
      return { ...base, type: 'route', layers: abs, groups, groupId };
    }
    case 'upsample':
      return { ...base, type: 'upsample', stride: positive(r, 'stride', r.int('stride', 2)), scale: r.float('scale', 1) };
    case 'maxpool':
    case 'max': {
      const stride = positive(r, 'stride', r.int('stride', 1));
      const size = positive(r, 'size', r.int('size', stride));
      const padding = r.int('padding', size - 1);
      if (padding < 0) r.fail('padding', `padding=${padding} must not be negative`);
      r.unsupported('maxpool_depth', ['0']);
      r.unsupported('antialiasing', ['0']);
      return { ...base, type: 'maxpool', size, stride, padding };
    }
    case 'yolo':
      return parseYolo(r, ctx, base);
    case 'dropout': {
      const probability = r.float('probability', 0.5);
      if (probability < 0 || probability >= 1) r.fail('probability', `probability=${probability} must be in [0, 1)`);
      return { ...base, type: 'dropout', probability };
    }
    case 'avgpool':
    case 'avg':
      return { ...base, type: 'avgpool' };
    default:
      return r.fail(undefined, 'unknown section');
  }
}

function parseYolo(r: SectionReader, ctx: LayerContext, base: Pick<YoloSpec, 'index' | 'where' | 'extra'>): YoloSpec {
  const flat = r.list('anchors', 'float');
  if (!flat || flat.length === 0 || flat.length % 2 !== 0) r.fail('anchors', 'anchors= must list w,h pairs');
  const num = r.int('num', flat.length / 2);
  if (num * 2 !== flat.length) r.fail('num', `num=${num} but anchors= lists ${flat.length / 2} pairs`);
  for (const v of flat) if (!(v > 0 && Number.isFinite(v))) r.fail('anchors', `anchors= has ${v}: every anchor width and height must be a positive number of pixels`);
  const anchors = Array.from({ length: num }, (_, i): [number, number] => [flat[2 * i], flat[2 * i + 1]]);
  const mask = r.list('mask') ?? anchors.map((_, i) => i);
  for (const m of mask) if (m < 0 || m >= num) r.fail('mask', `mask index ${m} outside anchors 0..${num - 1}`);
  const classes = r.int('classes', 20);
  if (classes < 1) r.fail('classes', `classes=${classes} must be positive`);
  const want = mask.length * (5 + classes);
  if (ctx.inC !== want) {
    r.fail(undefined, `the layer before has ${ctx.inC} filters; this head needs len(mask)*(5+classes) = ${mask.length}*(5+${classes}) = ${want}`);
  }
  r.unsupported('new_coords', ['0']);
  r.keep(YOLO_LOSS_KEYS, base.extra);
  return {
    ...base, type: 'yolo', mask, anchors, classes,
    jitter: r.float('jitter', 0.2), ignoreThresh: r.float('ignore_thresh', 0.5), truthThresh: r.float('truth_thresh', 1),
    random: r.float('random', 0), scaleXY: r.float('scale_x_y', 1),
  };
}

/** Output channels of a parsed layer. */
export function outChannels(spec: LayerSpec, inC: number, chans: number[]): number {
  switch (spec.type) {
    case 'convolutional': return spec.filters;
    case 'route': return spec.layers.reduce((s, l) => s + chans[l] / spec.groups, 0);
    default: return inC;
  }
}
