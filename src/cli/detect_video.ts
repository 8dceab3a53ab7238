// `yolov3 detect --source` on videos and streams (src/detect/video_*.ts):
// per-frame lines as for images, a progress line on stderr, --out as
// annotated videos, --json as one entry per frame. Ctrl-C stops the run
// with the videos closed and the results so far written, and exits 130.
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic_write.js';
import { detectVideo, type FrameResult } from '../detect/video_detect.js';
import { hasEncoder } from '../detect/video_ffmpeg.js';
import { StopOnSignals } from '../detect/video_interrupt.js';
import { videoOutputPath } from '../detect/video_sources.js';
import { UsageError } from './args.js';
import { detectOptions, printResult, type CliDetector, type DetectArgs } from './detect.js';

export async function runDetectVideo(args: DetectArgs, sources: string[], open: (args: DetectArgs) => Promise<CliDetector>): Promise<number> {
  if (args['save-raw'] !== undefined) throw new UsageError('yolov3 detect: --save-raw takes images, not videos');
  const outs = args.out === undefined ? undefined : sources.map((s) => videoOutputPath(args.out!, s, sources.length));
  await hasEncoder('libx264'); // ffmpeg missing: the apt line, before the model loads
  for (const o of outs ?? []) if (o.folder) mkdirSync(o.folder, { recursive: true });
  const detector = await open(args);
  const stop = new StopOnSignals();
  const all: FrameResult[] = [];
  let failed = 0;
  try {
    for (const [i, source] of sources.entries()) {
      if (stop.signal) break;
      const onFrame = (r: FrameResult, ms: number) => {
        printResult(`${source} frame ${r.frame} (${r.time.toFixed(3)} s)`, r, ms);
        if (args.json !== undefined) all.push(r);
      };
      try {
        await detectVideo(source, { detector, options: detectOptions(args), batch: args.batch!, out: outs?.[i].path, onFrame, stop });
      } catch (e) {
        if (sources.length === 1) throw e;
        console.error(`warning: skipped ${(e as Error).message}`);
        failed++;
      }
    }
  } finally {
    stop.dispose();
    await detector.dispose();
  }
  if (args.json !== undefined) writeFileAtomic(args.json, Buffer.from(JSON.stringify(all, null, 2)));
  if (failed) console.error(`${failed} of ${sources.length} videos could not be read`);
  return stop.exitCode ?? (failed === sources.length ? 1 : 0);
}
