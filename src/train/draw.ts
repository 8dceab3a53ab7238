// Detections drawn on evaluation images (the network inputs), saved as PNGs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveDetectionsImage } from '../detect/index.js';
import type { KeptImage } from '../val/evaluate.js';

/** Draws boxes scoring at least `minScore` on each kept image; returns the file paths. */
export async function saveDetectionPngs(images: KeptImage[], names: string[], dir: string, minScore = 0.3): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const img of images) {
    const dets = img.detections.filter((d) => d.score >= minScore).map((d) => {
      const [x1, y1, x2, y2] = d.box as number[];
      return { box: { x1, y1, x2, y2 }, score: d.score, classId: d.category, className: names[d.category] ?? `class${d.category}` };
    });
    const path = join(dir, `${String(img.imageId).replace(/[^\w.-]+/g, '_')}.png`);
    await saveDetectionsImage({ data: img.data, width: img.width, height: img.height }, dets, names.length, path);
    out.push(path);
  }
  return out;
}
