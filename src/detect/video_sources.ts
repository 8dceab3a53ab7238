// Which `--source` values are videos: a video file, a folder holding videos
// (and no images: a folder of images keeps meaning its images), a glob whose
// matches are all videos, or anything only ffmpeg opens (a URL such as
// rtsp://..., a capture device /dev/video0); and where each one's annotated
// video goes.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { expandSource, IMAGE_EXTENSIONS } from './sources.js';

export const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mkv', '.avi', '.mov', '.webm', '.mpg', '.mpeg', '.wmv', '.flv', '.ogv', '.3gp', '.mts', '.m2ts']);

const isVideoFile = (path: string) => VIDEO_EXTENSIONS.has(extname(path).toLowerCase());
const isStream = (source: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('/dev/');

/** The videos and streams `source` names, or undefined when it names images. */
export function videoSources(source: string): string[] | undefined {
  if (isStream(source)) return [source];
  if (/[*?]/.test(basename(source))) {
    const { files } = expandSource(source);
    return files.every(isVideoFile) ? files : undefined;
  }
  if (!existsSync(source)) return undefined; // the image path names the missing file
  if (!statSync(source).isDirectory()) return isVideoFile(source) ? [source] : undefined;
  const entries = readdirSync(source).sort();
  const videos = entries.filter(isVideoFile).map((f) => join(source, f));
  return videos.length > 0 && !entries.some((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) ? videos : undefined;
}

/** The videos in a folder that also holds images (detect then reads the images): said, not silently skipped. */
export function videosBesideImages(source: string): string[] {
  if (isStream(source) || !existsSync(source) || !statSync(source).isDirectory()) return [];
  return videoSources(source) ? [] : readdirSync(source).sort().filter(isVideoFile).map((f) => join(source, f));
}

/** A name for a source's outputs: a file's stem, a device's or URL's last path part. */
export function sourceStem(source: string): string {
  const path = isStream(source) ? source.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/[?#].*$/, '') : source;
  const stem = basename(path, extname(path)).replace(/[^\w.-]+/g, '_');
  return stem || 'stream';
}

/**
 * Where `--out` puts the annotated video of `source`: `out` itself when it
 * names a video file (one source only), else `<out>/<stem>.mp4`.
 */
export function videoOutputPath(out: string, source: string, sources: number): { path: string; folder?: string } {
  if (isVideoFile(out)) {
    if (sources > 1) throw new Error(`--out ${out} names one video, but --source names ${sources}; give a folder`);
    return { path: out };
  }
  const path = join(out, `${sourceStem(source)}.mp4`);
  if (!isStream(source) && resolve(path) === resolve(source)) throw new Error(`--out ${out} would overwrite the source ${source}`);
  return { path, folder: out };
}
