// Freezing the first layers when fine-tuning, as ultralytics' --freeze N
// (layers model.0 .. model.N-1): their parameters get requires_grad false
// and stay out of the optimizer (ultralytics leaves them in its param
// groups, where PyTorch skips a parameter without a gradient; out of ours,
// weight decay cannot touch them either), and their BatchNorm layers are
// kept in eval mode, so the running statistics stay the pretrained ones,
// as ultralytics' trainer._model_train does ("Freeze BN stat").
// Darknet's `stopbackward=1` in a layer stops backward_network there: that
// layer and all before it get no update, i.e. freeze = its index + 1.
import type { DarknetCfg, Darknet } from '../darknet/index.js';
import { BatchNorm2d, type Module } from '../nn/index.js';
import type * as torch from '../torch/index.js';
import type { TrainOptions } from './options.js';

const layerOf = (name: string) => Number(/^layers\.(\d+)\./.exec(name)?.[1] ?? Infinity);

/** Layers frozen by the cfg: up to and including its last `stopbackward` layer; 0 when none. */
export function stopBackwardFreeze(cfg: DarknetCfg): number {
  const stops = cfg.layers.filter((l) => Number(l.extra.stopbackward ?? 0) !== 0);
  return stops.length ? stops[stops.length - 1].index + 1 : 0;
}

/** The run's frozen layer count, resolved: the option when given, else the cfg's stopbackward (said when it freezes). */
export function resolveFreeze(o: TrainOptions, cfg: DarknetCfg, say: (line: string) => void): number {
  if (o.freeze !== undefined) return o.freeze;
  const n = stopBackwardFreeze(cfg);
  if (n > 0) say(`${cfg.file}: stopbackward=1 in layer ${n - 1} (darknet): layers 0..${n - 1} frozen; --freeze 0 trains them`);
  return n;
}

/** A parameter name's layer is frozen: layers.<i>. with i < freeze. */
export const isFrozen = (name: string, freeze: number) => layerOf(name) < freeze;

/** Sets requires_grad false on the parameters of layers 0..freeze-1 (said); returns them by name. */
export function freezeLayers(model: Darknet, freeze: number, say: (line: string) => void = () => {}): Map<string, torch.Tensor> {
  const frozen = new Map<string, torch.Tensor>();
  if (freeze <= 0) return frozen;
  if (freeze > model.cfg.layers.length) throw new Error(`freeze ${freeze}: ${model.cfg.file} has only ${model.cfg.layers.length} layers`);
  for (const [name, p] of model.namedParameters()) {
    if (!isFrozen(name, freeze)) continue;
    p.requiresGrad = false;
    frozen.set(name, p);
  }
  const values = [...frozen.values()].reduce((n, p) => n + p.numel(), 0);
  say(`freezing layers 0..${freeze - 1}: ${frozen.size} parameter tensors (${values.toLocaleString('en-US')} values) not trained, their BatchNorm statistics kept`);
  return frozen;
}

/** The BatchNorm layers inside the frozen layers, which train in eval mode. */
export function frozenBatchNorms(model: Darknet, freeze: number): Module[] {
  return [...model.namedModules()].filter(([name, m]) => m instanceof BatchNorm2d && layerOf(`${name}.`) < freeze).map(([, m]) => m);
}
