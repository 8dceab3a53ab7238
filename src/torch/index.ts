// The TypeScript face of the libtorch engine: `import * as torch from './torch/index.js'`.
export { Tensor, op, opMany, opValue, opInPlace, opObject, tensorVersions, type Scalar, type Device, type NestedArray } from './tensor.js';
export { ScriptObject } from './script_object.js';
export type { IndexItem, Slice } from './tensor_methods.js';
export { type DType, type TypedArray, type Reduction, isFloating, DTYPE_BYTES } from './dtype.js';
export * from './creation.js';
export * from './combine.js';
export { tidy, keep, dispose } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { manualSeed, Generator, getRngState, setRngState } from './random.js';
export { memory, cpuCache, setNumThreads, getNumThreads, cuda, versions } from './runtime.js';
export { opSchema, hasOp } from './ops.js';
export * as F from './functional.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export * as distributed from './distributed.js';
