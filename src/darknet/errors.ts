// Errors and warnings about a darknet .cfg, each naming the file and line
// (darknet's own messages name only the line, which is little help when a
// model is assembled from several files).

/** Where a section or an option was written. */
export interface SourceLoc {
  file: string;
  line: number;
}

export function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}`;
}

/** A cfg problem that stops parsing: bad section, bad value, bad index. */
export class CfgError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(loc: SourceLoc, problem: string) {
    super(`${where(loc)}: ${problem}`);
    this.name = 'CfgError';
    this.file = loc.file;
    this.line = loc.line;
  }
}

/** A cfg problem darknet tolerates (an unused field): reported, not fatal unless strict. */
export interface CfgWarning extends SourceLoc {
  message: string;
}

/**
 * NMS refuses non-finite boxes (a RangeError); from a model's own
 * predictions they mean weights that overflow or hold NaN/Inf, so the error
 * names the weights file. Other errors pass through.
 */
export function predictionError(e: unknown, model: { weightsFile?: string; cfg: { file: string } }): unknown {
  if (!(e instanceof RangeError && /non-finite/.test(e.message))) return e;
  const file = model.weightsFile ?? `${model.cfg.file} (random weights)`;
  return new WeightsError(`${file}: the network's predictions are not finite (${e.message}); are the weights corrupt?`);
}

/** A .weights file that does not fit its cfg (size or header). */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}
