// Helpers of the video tests: Debian's ffmpeg (or a skip), clips made by
// ffmpeg from held-out Shapes images, ffprobe's frame count and rates.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { renderShapes, writePng, DEFAULT_SHAPES } from '../../src/data/index.js';
import { skipOrFail } from '../support/references.js';

let present: boolean | undefined;
/** True when ffmpeg and ffprobe run; else skips (fails under YOLO_REQUIRE_SHARED=1). */
export function hasFfmpeg(t: TestContext): boolean {
  present ??= ['ffmpeg', 'ffprobe'].every((b) => spawnSync(b, ['-version']).status === 0);
  return present || skipOrFail(t, 'ffmpeg not found (apt-get install -y --no-install-recommends ffmpeg)');
}

export function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed:\n${r.stderr}`);
}

/** Held-out Shapes images (seed 4242, as the other detection tests) `frame000.png`, ... in `dir`. */
export async function shapesFrames(dir: string, count: number, width = 320, height = 240): Promise<string[]> {
  const larger = { ...DEFAULT_SHAPES, minSize: 0.25 }; // not square: letterboxed, larger shapes as trained on
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `frame${String(i).padStart(3, '0')}.png`);
    await writePng(renderShapes(4242, i, width, height, larger), path);
    files.push(path);
  }
  return files;
}

/** A lossless clip (FFV1 in RGB, Matroska) of `frame%03d.png` in `dir` at `fps`: its frames decode to the images' exact pixels. */
export function losslessClip(dir: string, fps: number, out: string, frames?: number): string {
  ffmpeg(['-framerate', String(fps), '-i', join(dir, 'frame%03d.png'), ...(frames ? ['-frames:v', String(frames)] : []), '-c:v', 'ffv1', '-pix_fmt', 'bgr0', out]);
  return out;
}

export interface Probed { frames: number; rFrameRate: string; avgFrameRate: string; width: number; height: number; codec: string }

/** ffprobe's decoded frame count (-count_frames), rates and size of the first video stream. */
export function probe(path: string): Probed {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,r_frame_rate,avg_frame_rate,width,height,codec_name', '-print_format', 'json', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe ${path} failed:\n${r.stderr}`);
  const s = JSON.parse(r.stdout).streams[0];
  return { frames: Number(s.nb_read_frames), rFrameRate: s.r_frame_rate, avgFrameRate: s.avg_frame_rate, width: s.width, height: s.height, codec: s.codec_name };
}
