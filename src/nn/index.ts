// Neural-network modules on top of src/torch.
export { Module, type StateDict } from './module.js';
export { Conv2d, type Conv2dOptions } from './conv.js';
export { BatchNorm2d } from './batchnorm.js';
export { LeakyReLU, ReLU, SiLU, Mish, Sigmoid, Identity, Upsample, MaxPool2d, Dropout } from './layers.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
