// The one sample type every dataset reader produces, and the problem records
// readers and loaders report instead of failing silently.

/** Where a sample's pixels come from: a file, or a generator recipe (Shapes). */
export type ImageSource =
  | { kind: 'file'; path: string }
  | { kind: 'shapes'; seed: number; index: number; width: number; height: number; params: ShapesParams };

/** How the Shapes generator draws (see shapes.ts); travels with each sample so workers can redraw it. */
export interface ShapesParams {
  minObjects: number;
  maxObjects: number;
  /** Object size range as a fraction of the shorter image side. */
  minSize: number;
  maxSize: number;
}

export interface Sample {
  imageId: string;
  /** File path, or a `shapes:` pseudo path for generated images. */
  imagePath: string;
  source: ImageSource;
  /** Original image size in pixels. */
  width: number;
  height: number;
  /** [n, 5] rows of cls, x_center, y_center, w, h normalised 0..1: what is trained on. */
  labels: Float32Array;
  /** [m, 5] boxes kept apart for evaluation only: COCO `iscrowd`, VOC `difficult`. */
  ignored: Float32Array;
  /** Why each `ignored` row is ignored, same order. */
  ignoredKind: ('crowd' | 'difficult')[];
  /**
   * COCO JSON only: each object's own `area` (the segment's, original
   * pixels²), `labels` rows then `ignored` rows. COCO's small/medium/large
   * ranges go by it, not by the box; absent, evaluation uses the box area.
   */
  areas?: Float64Array;
}

export type ProblemKind =
  | 'label-line' // malformed line in a label file
  | 'orphan-label' // label file whose image does not exist
  | 'missing-image' // listed image that does not exist
  | 'corrupt-image' // image that cannot be decoded
  | 'truncated-image' // JPEG without its end marker
  | 'annotation' // bad entry in COCO json / VOC xml
  | 'config'; // dataset description problem

export interface Problem {
  kind: ProblemKind;
  file: string;
  /** 1-based line for text files. */
  line?: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message} [${p.kind}]`;
}

/** Thrown in strict mode at the first problem, naming file and line. */
/** ' (the first problem)' for an error about a dataset that came out empty, so it names the file to look at; '' when none. */
export function firstProblem(ds: { problems: readonly Problem[] }): string {
  return ds.problems.length ? ` (${formatProblem(ds.problems[0])})` : '';
}

export class DataError extends Error {
  constructor(readonly problem: Problem) {
    super(formatProblem(problem));
    this.name = 'DataError';
  }
}

export interface ReadOptions {
  /** true: stop at the first malformed label (DataError); false: skip it and report. */
  strict?: boolean;
  /** Check every image's header and JPEG end marker at open time (default true; false skips the reads, and YOLO-txt samples then have width = height = 0). */
  verifyImages?: boolean;
  /** Keep JPEGs without an end marker (decoded as libjpeg does, grey-filled) instead of dropping them. */
  allowTruncated?: boolean;
}

export interface Dataset {
  /** Human-readable origin, e.g. the YAML path. */
  origin: string;
  names: string[];
  samples: Sample[];
  problems: Problem[];
  /** Set when the dataset came from a COCO JSON: its ids, for results files that name them. */
  coco?: CocoIds;
}

/** A COCO JSON's own ids: the category id of each class index, the image id of each sample's `imageId`. */
export interface CocoIds {
  categoryIds: number[];
  imageIds: Map<string, number>;
}

/** Collects problems; in strict mode the first one throws. */
export class Reporter {
  readonly problems: Problem[] = [];
  constructor(readonly strict = false) {}
  report(p: Problem): void {
    if (this.strict) throw new DataError(p);
    this.problems.push(p);
  }
  /** Reported always, never thrown: facts about the data, not garbage being trained on. */
  note(p: Problem): void {
    this.problems.push(p);
  }
}

export const EMPTY_LABELS = new Float32Array(0);

/** Number of rows of an [n, 5] label array. */
export function rows(labels: Float32Array): number {
  return labels.length / 5;
}
