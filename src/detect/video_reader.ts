// Frames of a video or stream as RGB images (HWC uint8, what sharp decodes
// an image file to), read from ffmpeg's stdout as raw rgb24: no frame is
// written to disk. One output frame per decoded frame (`-fps_mode
// passthrough`), so a variable-rate source is neither padded nor thinned.
import type { ChildProcess } from 'node:child_process';
import type { RgbImage } from '../data/image.js';
import { exited, spawnFfmpeg, stderrTail, type VideoInfo } from './video_ffmpeg.js';

export class VideoReader {
  #child?: ChildProcess;
  #stopped = false;

  constructor(readonly info: VideoInfo) {}

  /** The frames in order; an error naming the source and ffmpeg's message when decoding fails. */
  async *frames(): AsyncGenerator<RgbImage> {
    const { source, width, height } = this.info;
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', source, '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
    const child = (this.#child = await spawnFfmpeg('ffmpeg', args));
    const err = stderrTail(child);
    const size = width * height * 3;
    let frame = Buffer.allocUnsafe(size);
    let filled = 0;
    try {
      for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length; ) {
          const n = Math.min(size - filled, chunk.length - at);
          chunk.copy(frame, filled, at, at + n);
          filled += n;
          at += n;
          if (filled < size) continue;
          yield { data: frame, width, height };
          frame = Buffer.allocUnsafe(size);
          filled = 0;
        }
      }
      const code = await exited(child);
      if (code !== 0 && !this.#stopped) throw new Error(`${source}: cannot read video: ${err() || `ffmpeg exited with ${code}`}`);
    } finally {
      this.stop(); // the consumer stopped early, or decoding failed: end ffmpeg
    }
  }

  /** Ends decoding (the frame loop then finishes); safe to call at any time. */
  stop(): void {
    this.#stopped = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}
