export { Optimizer, type ParamGroup, type ParamsInput, type OptimizerStateDict, type ParamState } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { optimizerStateToTensors, optimizerStateFromTensors } from './state_file.js';
