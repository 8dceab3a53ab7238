// Initialisations with PyTorch's defaults, filled in place without autograd.
import { Tensor, noGrad } from '../torch/index.js';

/** Uniform in (-bound, bound). */
export function uniform_(t: Tensor, bound: number): Tensor {
  return noGrad(() => t.uniform_(-bound, bound));
}

/** PyTorch's kaiming_uniform_(a=sqrt(5)) for conv weights: bound 1/sqrt(fan_in). */
export function defaultConvWeight_(t: Tensor, fanIn: number): Tensor {
  return uniform_(t, 1 / Math.sqrt(fanIn));
}

export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}
