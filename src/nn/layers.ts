// Parameter-free layers.
import { Tensor, F } from '../torch/index.js';
import { Module } from './module.js';

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Nearest-neighbour upsampling by an integer factor (darknet's [upsample]). */
export class Upsample extends Module {
  readonly scaleFactor: number;
  constructor(o: { scaleFactor: number }) {
    super();
    this.scaleFactor = o.scaleFactor;
  }
  forward(x: Tensor): Tensor {
    return F.interpolateNearest(x, { scaleFactor: this.scaleFactor });
  }
}

/** Max pooling; `padding` may be [left, right, top, bottom] for darknet's asymmetric padding. */
export class MaxPool2d extends Module {
  readonly stride: number;
  readonly padding: number | [number, number, number, number];
  constructor(readonly kernelSize: number, o: { stride?: number; padding?: number | [number, number, number, number] } = {}) {
    super();
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.training ? F.dropout(x, this.p, true) : x;
  }
}
