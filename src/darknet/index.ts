// Darknet models: .cfg parsing, the Darknet module, .weights I/O, summaries.
export { CfgError, WeightsError, predictionError, type CfgWarning, type SourceLoc } from './errors.js';
export { parseCfg, readCfg, formatWarning, type ParseOptions } from './cfg_parse.js';
export * from './specs.js';
export { layerShapes, type LayerShape, type Shape } from './shapes.js';
export { summarize, formatSummary, parameterCount, weightValueCount, weightsFileBytes, type ModelSummary, type LayerRow } from './summary.js';
export { Darknet, type WeightsHeader } from './model.js';
export { ConvBlock, DARKNET_BN_EPS } from './conv_block.js';
export { headLayout, darknetYoloOutput, type HeadInfo } from './head_layout.js';
export { loadWeights, loadWeightsBytes, saveWeights, weightsBytes, readHeader, type WeightsOptions } from './weights.js';
export { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
