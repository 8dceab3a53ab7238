// SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD (1.13).
import { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export class SGD extends Optimizer<Required<SgdOptions>> {
  constructor(params: ParamsInput, options: SgdOptions) {
    const o = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options };
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new Error('SGD: Nesterov momentum requires momentum > 0 and zero dampening');
    super(params, o);
  }

  protected update(param: Tensor, grad: Tensor, g: ParamGroup & Required<SgdOptions>, state: ParamState): void {
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(param, g.weightDecay);
    if (g.momentum !== 0) {
      let buf = state.momentum_buffer as Tensor | undefined;
      if (!buf) {
        buf = keep(d.clone().detach());
        state.momentum_buffer = buf;
      } else {
        buf.mul_(g.momentum).add_(d, 1 - g.dampening);
      }
      d = g.nesterov ? d.add(buf, g.momentum) : buf;
    }
    param.add_(d, -g.lr);
  }
}
