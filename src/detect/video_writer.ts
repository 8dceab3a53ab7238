// An annotated video: raw rgb24 frames piped into a second ffmpeg, encoded
// at the source's frame rate (H.264 in yuv420p, which players expect, or
// MPEG-4 part 2 where this ffmpeg has no libx264). Closing ends ffmpeg's
// input, so it writes the file's trailer (an MP4's index) and the file
// plays, also after an interrupt.
import type { ChildProcess } from 'node:child_process';
import type { RgbImage } from '../data/image.js';
import { exited, hasEncoder, spawnFfmpeg, stderrTail } from './video_ffmpeg.js';

export class VideoWriter {
  #error?: Error;
  #closed?: Promise<void>;

  private constructor(readonly path: string, readonly width: number, readonly height: number, readonly child: ChildProcess, readonly stderr: () => string) {
    // the encoder ending early (a bad path, a full disk) shows as EPIPE here; the close reports ffmpeg's own message
    child.stdin!.on('error', (e) => (this.#error ??= e));
  }

  /** Starts the encoder for `width` x `height` frames at `fps` (a rational such as '30000/1001'). */
  static async open(path: string, width: number, height: number, fps: string): Promise<VideoWriter> {
    const codec = (await hasEncoder('libx264')) ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'] : ['-c:v', 'mpeg4', '-q:v', '3'];
    const args = [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', fps, '-i', 'pipe:0',
      // yuv420p needs even sizes: an odd width or height gains one black column or row
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', ...codec, '-pix_fmt', 'yuv420p', '-r', fps, path,
    ];
    const child = await spawnFfmpeg('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    return new VideoWriter(path, width, height, child, stderrTail(child));
  }

  /** Queues one frame; resolves once ffmpeg can take more (backpressure). */
  async write(frame: RgbImage): Promise<void> {
    if (frame.width !== this.width || frame.height !== this.height) throw new Error(`${this.path}: frame ${frame.width}x${frame.height} in a ${this.width}x${this.height} video`);
    if (this.#error || this.#closed) throw this.#failure();
    const stdin = this.child.stdin!;
    if (stdin.write(frame.data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        this.child.off('close', done);
        resolve();
      };
      stdin.once('drain', done);
      this.child.once('close', done);
    });
    if (this.#error) throw this.#failure();
  }

  /** Ends the input and waits for ffmpeg to finish the file; an error with ffmpeg's message if it failed. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.child.stdin!.end();
      const code = await exited(this.child);
      if (code !== 0) throw this.#failure(code);
    })();
    return this.#closed;
  }

  #failure(code?: number | string): Error {
    const why = this.stderr() || this.#error?.message || `ffmpeg exited with ${code}`;
    return new Error(`${this.path}: cannot write video: ${why}`);
  }
}
