// The trainer's hooks: the interface (hook.ts) and the built-in ones, in the order train() runs them.
export type { TrainHook, LossEvent, StepEnd, EpochEnd, TrainEnd } from './hook.js';
export { HookRunner, TRAINER_STATE_KEYS } from './runner.js';
export { FiniteLossHook } from './finite_guard.js';
export { FreezeHook } from './freeze.js';
export { LrScheduleHook } from './lr_schedule.js';
export { EmaHook, evaluationModel } from './ema.js';
export { EvaluationHook } from './evaluation.js';
export { TensorBoardHook } from './tensorboard.js';
export { ResultsHook } from './results.js';
export { DiagnosticsHook, DIAGNOSTIC_COLUMNS } from './diagnostics.js';
export { CheckpointHook, trainingState } from './checkpoint.js';
export { ProgressHook } from './progress.js';
export { DetectionImagesHook } from './detection_images.js';
export { InterruptHook, yieldToEventLoop } from './interrupt.js';
export { callOptionHooks, type CallOptionSwitches, type IterationInfo } from './call_options.js';
