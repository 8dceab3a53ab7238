// Draws detections on an image (boxes and readable labels, a colour per
// class as darknet picks them: classColor) and saves it as JPEG or PNG by extension.
import sharp from 'sharp';
import { classColor } from '../data/draw.js';
import type { RgbImage } from '../data/image.js';
import { escapeXml } from '../util/xml_text.js';
import type { Detection } from './detector.js';

/** An SVG overlay of the detections for an image of the given size. */
export function detectionsSvg(width: number, height: number, detections: Detection[], classes: number): string {
  const line = Math.max(2, Math.round(Math.min(width, height) * 0.006));
  const font = Math.max(12, Math.round(Math.min(width, height) * 0.03));
  const parts = detections.map((d) => {
    const [r, g, b] = classColor(d.classId, classes);
    const colour = `rgb(${r},${g},${b})`;
    const { x1, y1, x2, y2 } = d.box;
    const label = escapeXml(`${d.className} ${(d.score * 100).toFixed(0)}%`);
    const labelW = Math.ceil(label.length * font * 0.6) + 6;
    const labelY = y1 - font - 4 >= 0 ? y1 - font - 4 : y1; // above the box unless it would leave the image
    const text = (r * 299 + g * 587 + b * 114) / 1000 > 128 ? 'black' : 'white';
    return [
      `<rect x="${x1}" y="${y1}" width="${Math.max(x2 - x1, 1)}" height="${Math.max(y2 - y1, 1)}" fill="none" stroke="${colour}" stroke-width="${line}"/>`,
      `<rect x="${x1 - line / 2}" y="${labelY}" width="${labelW}" height="${font + 4}" fill="${colour}"/>`,
      `<text x="${x1 + 3}" y="${labelY + font}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="${text}">${label}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Saves `image` with the detections drawn; the format follows the extension (.png, else JPEG). */
export async function saveDetectionsImage(image: RgbImage, detections: Detection[], classes: number, path: string): Promise<void> {
  const svg = detectionsSvg(image.width, image.height, detections, classes);
  let pipeline = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  }).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  pipeline = path.toLowerCase().endsWith('.png') ? pipeline.png() : pipeline.jpeg({ quality: 90 });
  await pipeline.toFile(path);
}
