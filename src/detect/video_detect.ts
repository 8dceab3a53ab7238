// Detection on a video or stream: frames from ffmpeg (video_reader.ts) in
// batches through the same detector, preparation and result mapping as
// image files (a frame is the RGB HWC image sharp would decode), boxes drawn
// as `detect --out` draws them on images (detectionsSvg) and piped into an
// encoder at the source's frame rate (video_writer.ts).
import sharp from 'sharp';
import type { RgbImage } from '../data/image.js';
import { detectionsSvg } from './draw.js';
import type { DetectOptions, Detection, DetectionResult } from './types.js';
import { probeVideo } from './video_ffmpeg.js';
import { VideoProgress, type ProgressStream } from './video_progress.js';
import { VideoReader } from './video_reader.js';
import type { StopOnSignals } from './video_interrupt.js';
import { VideoWriter } from './video_writer.js';

/** What a video run needs of a detector (the CLI's libtorch or onnxruntime one). */
export interface FrameDetector {
  names: string[];
  run(images: RgbImage[], options: DetectOptions): Promise<{ results: DetectionResult[]; ms: number }>;
}

/** One frame's detections: the source, the frame's index from 0, and its time in seconds (index / frame rate). */
export interface FrameResult extends DetectionResult {
  file: string;
  frame: number;
  time: number;
}

export interface VideoRunOptions {
  detector: FrameDetector;
  options: DetectOptions;
  /** Frames per forward pass. */
  batch: number;
  /** Where to write the annotated video. */
  out?: string;
  /** Each frame's result, in order, with the milliseconds per frame of its batch's detection. */
  onFrame?: (result: FrameResult, ms: number) => void;
  stop?: StopOnSignals;
  progress?: ProgressStream;
}

/** The frame with the detections drawn (the frame itself when there are none). */
export async function annotateFrame(frame: RgbImage, detections: Detection[], classes: number): Promise<RgbImage> {
  if (detections.length === 0) return frame;
  const svg = detectionsSvg(frame.width, frame.height, detections, classes);
  const data = await sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.length), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data, width: frame.width, height: frame.height };
}

/** Runs detection on every frame of `source`; frames done and the loop's frames per second. */
export async function detectVideo(source: string, run: VideoRunOptions): Promise<{ frames: number; fps: number }> {
  const info = await probeVideo(source);
  const [num, den] = info.fps.split('/').map(Number);
  const reader = new VideoReader(info);
  const unsubscribe = run.stop?.onStop(() => reader.stop()) ?? (() => {});
  const progress = new VideoProgress(source, info.frames, info.framesExact, run.progress);
  let writer: VideoWriter | undefined;
  let batch: RgbImage[] = [];
  const flush = async () => {
    const { results, ms } = await run.detector.run(batch, run.options);
    progress.clear();
    for (const [k, frame] of batch.entries()) {
      const index = progress.frames + k;
      const result: FrameResult = { file: source, frame: index, time: Number(((index * den) / num).toFixed(6)), ...results[k] };
      run.onFrame?.(result, ms);
      await writer?.write(await annotateFrame(frame, result.detections, run.detector.names.length));
    }
    progress.advance(batch.length);
    batch = [];
  };
  let failed = true;
  let closed: Error | undefined;
  try {
    writer = run.out ? await VideoWriter.open(run.out, info.width, info.height, info.fps) : undefined;
    for await (const frame of reader.frames()) {
      batch.push(frame);
      if (batch.length >= run.batch || run.stop?.signal) await flush();
    }
    if (batch.length) await flush();
    failed = false;
  } finally {
    unsubscribe();
    reader.stop();
    // closed also after an error or an interrupt, so what was written plays; an error already under way wins
    closed = await writer?.close().then(() => undefined, (e: Error) => e);
    const how = run.stop?.signal ? `interrupted (${run.stop.signal})` : failed || closed ? 'failed' : '';
    progress.finish([how, writer && !failed && !closed ? `annotated video ${writer.path}` : ''].filter(Boolean).join(', '));
  }
  if (closed) throw closed;
  return { frames: progress.frames, fps: progress.fps };
}
