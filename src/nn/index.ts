// Neural-network modules on top of src/torch.
export { Module, type StateDict } from './module.js';
export { Conv2d, inferenceConv2d, type Conv2dOptions } from './conv.js';
export { PackedConv, type ConvGeometry, type PackedActivation } from './packed_conv.js';
export { BatchNorm2d, convertSyncBatchNorm } from './batchnorm.js';
export { syncBatchNormTraining, type SyncBatchNormArgs } from './sync_batchnorm.js';
export { LeakyReLU, ReLU, SiLU, Mish, Sigmoid, Identity, Upsample, MaxPool2d, Dropout } from './layers.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
export { foldAffineIntoConv } from './fold.js';
export { DerivedTensors } from './derived.js';
export { toChannelsLast } from './memory_format.js';
export { blockSize, nativeBlockSize, isBlocked, toBlocked, fromBlocked } from './blocked.js';
export { trainingBlockSize, blockedConv2d, blockedBatchNormLeaky, blockedConvIsFast } from './blocked_train.js';
