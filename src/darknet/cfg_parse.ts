// A darknet .cfg to typed, validated layer specs.
import { readFileSync } from 'node:fs';
import { CfgError, where, type CfgWarning } from './errors.js';
import { splitSections } from './cfg_text.js';
import { SectionReader } from './section_reader.js';
import { parseLayer, outChannels } from './layer_parsers.js';
import { layerShapes } from './shapes.js';
import type { DarknetCfg, LayerSpec, NetSpec } from './specs.js';

export interface ParseOptions {
  /** Name used in messages (default '<cfg>' for text, the path for files). */
  file?: string;
  /** Unused fields become errors instead of warnings. */
  strict?: boolean;
  /** Called for each warning (default: none; they are also returned in cfg.warnings). */
  onWarning?: (w: CfgWarning) => void;
}

const SUPPORTED = new Set(['convolutional', 'conv', 'shortcut', 'route', 'upsample', 'maxpool', 'max', 'yolo', 'dropout', 'avgpool', 'avg']);
/** Sections darknet knows that this toolkit does not build (a clearer message than "unknown"). */
const DARKNET_ONLY = new Set(['local', 'deconvolutional', 'deconv', 'crop', 'cost', 'detection', 'region', 'activation', 'logistic', 'l2norm', 'crnn', 'gru', 'lstm', 'rnn', 'connected', 'conn', 'reorg', 'normalization', 'lrn', 'batchnorm', 'softmax', 'soft', 'iseg', 'sam', 'scale_channels', 'gaussian_yolo', 'contrastive', 'implicit', 'reorg3d', 'conv_lstm', 'empty', 'silence']);

/** [net] keys darknet reads that we keep as text for the trainer. */
const NET_EXTRA = ['time_steps', 'notruth', 'random', 'adam', 'B1', 'B2', 'eps', 'inputs', 'max_crop', 'min_crop', 'max_ratio', 'min_ratio', 'center', 'clip', 'aspect', 'power', 'step', 'scale', 'gamma', 'learning_rate_min'];

function parseNet(r: SectionReader): NetSpec {
  const extra: Record<string, string> = {};
  r.keep(NET_EXTRA, extra);
  const policy = r.str('policy', 'constant');
  const steps = r.list('steps') ?? [];
  const scales = r.list('scales', 'float') ?? [];
  // darknet reads one scale per step under policy=steps (past the end otherwise)
  if (policy === 'steps' && scales.length !== steps.length) r.fail('scales', `scales lists ${scales.length} values for ${steps.length} steps`);
  const net: NetSpec = {
    where: { file: r.section.file, line: r.section.line },
    width: r.int('width', 0), height: r.int('height', 0), channels: r.int('channels', 0),
    batch: r.int('batch', 1), subdivisions: r.int('subdivisions', 1),
    learningRate: r.float('learning_rate', 0.001), momentum: r.float('momentum', 0.9), decay: r.float('decay', 0.0001),
    burnIn: r.int('burn_in', 0), maxBatches: r.int('max_batches', 0), policy, steps, scales,
    hue: r.float('hue', 0), saturation: r.float('saturation', 1), exposure: r.float('exposure', 1), angle: r.float('angle', 0),
    jitter: r.float('jitter', 0), extra,
  };
  for (const k of ['width', 'height', 'channels'] as const) if (!(net[k] > 0)) r.fail(k, `${k}= must be given and positive`);
  return net;
}

export function parseCfg(text: string, options: ParseOptions = {}): DarknetCfg {
  const file = options.file ?? '<cfg>';
  const sections = splitSections(text, file);
  if (sections.length === 0) throw new CfgError({ file, line: 1 }, 'no sections: not a darknet cfg');
  const first = sections[0];
  if (first.name !== 'net' && first.name !== 'network') throw new CfgError(first, `first section must be [net] or [network], found [${first.name}]`);
  const readers = sections.map((s) => new SectionReader(s));
  const net = parseNet(readers[0]);
  const layers: LayerSpec[] = [];
  const chans: number[] = [];
  for (const r of readers.slice(1)) {
    const name = r.section.name;
    if (!SUPPORTED.has(name)) {
      throw new CfgError(r.section, DARKNET_ONLY.has(name) ? `[${name}] is a darknet layer this toolkit does not implement` : `unknown section [${name}]`);
    }
    const index = layers.length;
    const inC = index === 0 ? net.channels : chans[index - 1];
    const spec = parseLayer(r, { index, inC, chans });
    layers.push(spec);
    chans.push(outChannels(spec, inC, chans));
  }
  if (layers.length === 0) throw new CfgError(first, 'the cfg has no layers after [net]');
  const warnings = readers.flatMap((r) => r.leftovers());
  if (options.strict && warnings.length > 0) throw new CfgError(warnings[0], `${warnings[0].message} (strict)`);
  for (const w of warnings) options.onWarning?.(w);
  const cfg: DarknetCfg = { file, net, layers, channels: chans, warnings };
  layerShapes(cfg, net.height, net.width); // size errors (route of mismatched maps) surface here, with their line
  return cfg;
}

export function readCfg(path: string, options: ParseOptions = {}): DarknetCfg {
  return parseCfg(readFileSync(path, 'utf8'), { ...options, file: options.file ?? path });
}

/** "file:line: message" lines for printing warnings. */
export function formatWarning(w: CfgWarning): string {
  return `${where(w)}: warning: ${w.message}`;
}
