// Detections drawn on the page's canvas as detect/draw.ts draws them into
// files: a box and a label (name and percent) in darknet's class colour
// (data/draw.ts classColor), line and font sized to the image.
import { classColor } from '../../data/draw.js';
import type { DetectionResult } from '../../detect/types.js';

export function drawDetections(canvas: HTMLCanvasElement, source: CanvasImageSource, r: DetectionResult, classes: number): void {
  canvas.width = r.width;
  canvas.height = r.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser has no 2D canvas');
  ctx.drawImage(source, 0, 0, r.width, r.height);
  const line = Math.max(2, Math.round(Math.min(r.width, r.height) * 0.006));
  const font = Math.max(12, Math.round(Math.min(r.width, r.height) * 0.03));
  ctx.font = `${font}px "DejaVu Sans", sans-serif`;
  ctx.textBaseline = 'alphabetic';
  for (const d of r.detections) {
    const [red, green, blue] = classColor(d.classId, classes);
    const colour = `rgb(${red},${green},${blue})`;
    const { x1, y1, x2, y2 } = d.box;
    ctx.strokeStyle = colour;
    ctx.lineWidth = line;
    ctx.strokeRect(x1, y1, Math.max(x2 - x1, 1), Math.max(y2 - y1, 1));
    const label = `${d.className} ${(d.score * 100).toFixed(0)}%`;
    const labelW = Math.ceil(ctx.measureText(label).width) + 6;
    const labelY = y1 - font - 4 >= 0 ? y1 - font - 4 : y1; // above the box unless it would leave the image
    ctx.fillStyle = colour;
    ctx.fillRect(x1 - line / 2, labelY, labelW, font + 4);
    ctx.fillStyle = (red * 299 + green * 587 + blue * 114) / 1000 > 128 ? 'black' : 'white';
    ctx.fillText(label, x1 + 3, labelY + font);
  }
}
