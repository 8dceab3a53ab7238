// Debian's ffmpeg and ffprobe as child processes (npm wrappers download
// their own binaries or are unmaintained): spawning them with a clear error
// when they are missing, and ffprobe's view of a video or stream (size,
// frame rate, frame count) from `-print_format json`.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export const FFMPEG_APT_LINE = 'apt-get update && apt-get install -y --no-install-recommends ffmpeg';

/** A source as ffprobe sees its first video stream; frames as ffmpeg will decode them (rotation applied). */
export interface VideoInfo {
  source: string;
  width: number;
  height: number;
  /** The frame rate as ffmpeg writes it, a rational such as '30000/1001' (its average rate, else its base rate, else 25). */
  fps: string;
  /** The frame count the container states, else one estimated from its duration; undefined for a live stream. */
  frames?: number;
  /** Whether `frames` is the container's own count rather than an estimate. */
  framesExact: boolean;
}

function notFound(binary: string): Error {
  return new Error(`${binary} not found: video sources need Debian's ffmpeg package. Run as root:\n  ${FFMPEG_APT_LINE}`);
}

/** Spawns ffmpeg or ffprobe; resolves once it started, rejects with the apt line when it is not installed. */
export function spawnFfmpeg(binary: 'ffmpeg' | 'ffprobe', args: string[], options: SpawnOptions = {}): Promise<ChildProcess> {
  // detached: a terminal's Ctrl-C reaches only this process, which then ends the
  // children in order (the encoder gets its end of input and finishes the file)
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? notFound(binary) : e));
  });
}

/** Collects a child's stderr (its last 8 kB) for error messages. */
export function stderrTail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (text = (text + s).slice(-8192)));
  return () => text.trim();
}

/** Resolves with the exit code (or the signal's name) once the child has exited and its pipes closed. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

/** How long ffprobe may take to answer by default: a stream or device that never sends would otherwise hang detect. */
export const PROBE_TIMEOUT_MS = 30_000;

/** Runs a binary to its end (killed after timeoutMs); its stdout, or an error with its stderr. */
async function output(binary: 'ffmpeg' | 'ffprobe', args: string[], what: string, timeoutMs = 0): Promise<string> {
  const child = await spawnFfmpeg(binary, args);
  const err = stderrTail(child);
  let out = '';
  let timedOut = false;
  const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs) : undefined;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (s: string) => (out += s));
  const code = await exited(child);
  clearTimeout(timer);
  if (timedOut) throw new Error(`${what}: ${binary} gave no answer in ${timeoutMs / 1000} s (a stream or device that sends nothing?)`);
  if (code !== 0) throw new Error(`${what}: ${err() || `${binary} exited with ${code}`}`);
  return out;
}

function validRate(rate: string | undefined): string | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(rate ?? '');
  return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? rate : undefined;
}

interface ProbeStream {
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

/** ffprobe's first video stream of `source` (a file, a URL, a device); an error naming it and ffprobe's message otherwise. */
export async function probeVideo(source: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<VideoInfo> {
  const text = await output('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-select_streams', 'v:0', source], `${source}: cannot read video`, timeoutMs);
  const probe = JSON.parse(text) as { streams?: ProbeStream[]; format?: { duration?: string } };
  const s = probe.streams?.[0];
  if (!s?.width || !s.height) throw new Error(`${source}: cannot read video: ffprobe finds no video stream`);
  // ffmpeg applies a display rotation when decoding: a quarter turn swaps width and height
  const rotation = Number(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? s.tags?.rotate ?? 0);
  const quarter = Math.abs(rotation) % 180 === 90;
  const fps = validRate(s.avg_frame_rate) ?? validRate(s.r_frame_rate) ?? '25/1';
  const [num, den] = fps.split('/').map(Number);
  const stated = Number(s.nb_frames);
  const duration = Number(s.duration ?? probe.format?.duration);
  const frames = stated > 0 ? stated : duration > 0 ? Math.round((duration * num) / den) : undefined;
  return { source, width: quarter ? s.height : s.width, height: quarter ? s.width : s.height, fps, frames, framesExact: stated > 0 };
}

let encoders: Promise<string> | undefined;

/** Whether this ffmpeg has the named encoder (libx264 is absent from some builds). */
export async function hasEncoder(name: string): Promise<boolean> {
  encoders ??= output('ffmpeg', ['-hide_banner', '-encoders'], 'ffmpeg -encoders');
  return new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(await encoders);
}
