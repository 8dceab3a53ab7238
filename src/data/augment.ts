// The training-sample recipe: which transforms run, in which order, with
// what strength. Pure JavaScript over typed arrays, so it runs unchanged in
// worker threads. `augment: false` gives plain letterboxed images.

import { Rng } from './rng.js';
import { letterbox } from './transforms/letterbox.js';
import { randomAffine } from './transforms/affine.js';
import { randomHsv } from './transforms/hsv.js';
import { flipHorizontal } from './transforms/flip.js';
import { mosaic4 } from './transforms/mosaic.js';
import { jitterCrop } from './transforms/jitter.js';
import type { Labeled } from './transforms/types.js';

export interface AugmentConfig {
  /** Master switch: false = letterbox only (the series trains without augmentation). */
  augment: boolean;
  /** Probability of a 4-image mosaic (ultralytics style). */
  mosaic: number;
  /** darknet jitter crop strength; > 0 selects the darknet recipe (jitter crop, flip, HSV) instead of letterbox/mosaic/affine. */
  jitter: number;
  degrees: number;
  translate: number;
  scale: number;
  shear: number;
  /** darknet `hue` / `saturation` / `exposure`. */
  hue: number;
  saturation: number;
  exposure: number;
  /** Probability of a horizontal flip. */
  flip: number;
}

/** Full augmentation, ultralytics-style geometry with darknet yolov3.cfg colour settings. */
export const FULL_AUGMENT: AugmentConfig = {
  augment: true, mosaic: 1, jitter: 0, degrees: 0, translate: 0.1, scale: 0.5, shear: 0,
  hue: 0.1, saturation: 1.5, exposure: 1.5, flip: 0.5,
};
/** darknet's own recipe (yolov3.cfg: jitter=.3 hue=.1 saturation=1.5 exposure=1.5, random flip). */
export const DARKNET_AUGMENT: AugmentConfig = { ...FULL_AUGMENT, mosaic: 0, jitter: 0.3, translate: 0, scale: 0 };
export const NO_AUGMENT: AugmentConfig = { ...FULL_AUGMENT, augment: false };

export interface SampleSource {
  count: number;
  load(index: number): Promise<Labeled>;
}

/** Produces one size x size training image for `index`; `rng` is seeded per (seed, epoch, index) by the caller. */
export async function prepareSample(src: SampleSource, index: number, size: number, cfg: AugmentConfig, rng: Rng): Promise<Labeled> {
  if (!cfg.augment) return letterbox(await src.load(index), size);
  let s: Labeled;
  if (cfg.jitter > 0) {
    s = jitterCrop(await src.load(index), rng, { jitter: cfg.jitter, width: size, height: size });
  } else if (cfg.mosaic > 0 && rng.chance(cfg.mosaic)) {
    const others = [rng.int(0, src.count), rng.int(0, src.count), rng.int(0, src.count)];
    const parts = await Promise.all([index, ...others].map((i) => src.load(i)));
    s = randomAffine(mosaic4(parts, size, rng), rng, { ...cfg, outWidth: size, outHeight: size });
  } else {
    s = randomAffine(letterbox(await src.load(index), size), rng, cfg);
  }
  if (cfg.hue > 0 || cfg.saturation > 1 || cfg.exposure > 1) s = randomHsv(s, rng, cfg);
  if (rng.chance(cfg.flip)) s = flipHorizontal(s);
  return s;
}
