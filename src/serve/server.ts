// `yolov3 serve`: an HTTP server (Node's http module) for the page in web/
// that runs an exported model in the browser with onnxruntime-web:
//   /             web/index.html (and web/'s other files by name)
//   /lib/...      the page's modules, built from src (browser_modules.ts)
//   /ort/...      onnxruntime-web's JavaScript and wasm, from its npm package
//   /model.onnx   the model; /model.json its file name and metadata_props
//   /files/...    the --files folder, when given
// Nothing is fetched from elsewhere. Cross-origin isolation headers let
// onnxruntime-web use threads (SharedArrayBuffer).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOnnxModel } from '../detect/onnx_detector.js';
import type { YoloOnnxMetadata } from '../onnx/yolo_metadata.js';
import { browserModules } from './browser_modules.js';
import { contentType, fileUnder } from './static_files.js';

export interface ServeOptions {
  model: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A folder served under /files/. */
  files?: string;
}

export interface RunningServer {
  url: string;
  meta: YoloOnnxMetadata;
  server: Server;
  close(): Promise<void>;
}

/** The page's entry module, relative to dist/src. */
export const PAGE_ENTRY = 'serve/page/app.js';

interface Site {
  distSrc: string;
  web: string;
  ort: string;
  lib: Set<string>;
  files?: string;
  model: Uint8Array;
  meta: YoloOnnxMetadata;
  modelJson: string;
}

const HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-cache' };

/** web/ beside dist/ (from dist/src/serve) or beside src/ (from src/serve). */
function webDir(): string {
  const fromDist = fileURLToPath(new URL('../../../web/', import.meta.url));
  return existsSync(fromDist) ? fromDist : fileURLToPath(new URL('../../web/', import.meta.url));
}

function site(o: ServeOptions): Site {
  const { bytes, meta, props } = readOnnxModel(o.model);
  if (o.files !== undefined && !(existsSync(o.files) && statSync(o.files).isDirectory())) throw new Error(`${o.files}: no such folder (--files)`);
  const distSrc = fileURLToPath(new URL('../', import.meta.url));
  return {
    distSrc,
    web: webDir(),
    ort: dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')),
    lib: browserModules(distSrc, [PAGE_ENTRY]),
    files: o.files,
    model: bytes,
    meta,
    // the page parses metadata_props itself, with the same parseYoloMetadata
    modelJson: JSON.stringify({ file: basename(o.model), metadata: props }),
  };
}

/** The file a URL path names, or null (404). */
function resolvePath(s: Site, path: string): string | null {
  if (path === '/' || path === '/index.html') return fileUnder(s.web, 'index.html');
  if (path.startsWith('/lib/')) return s.lib.has(path.slice(5)) ? fileUnder(s.distSrc, path.slice(5)) : null;
  if (path.startsWith('/ort/')) return /^ort[\w.-]*\.(mjs|wasm)$/.test(path.slice(5)) ? fileUnder(s.ort, path.slice(5)) : null;
  if (path.startsWith('/files/')) return s.files === undefined ? null : fileUnder(s.files, path.slice(7));
  return /^\/[\w.-]+$/.test(path) ? fileUnder(s.web, path.slice(1)) : null;
}

function handle(s: Site, req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, type: string, body: string | Uint8Array) => {
    res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return send(400, 'text/plain', 'bad path\n');
  }
  if (path === '/model.onnx') return send(200, 'application/octet-stream', s.model);
  if (path === '/model.json') return send(200, 'application/json', s.modelJson);
  const file = resolvePath(s, path);
  if (!file) return send(404, 'text/plain', `not found: ${path}\n`);
  res.writeHead(200, { ...HEADERS, 'Content-Type': contentType(file), 'Content-Length': statSync(file).size });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/** Starts the server; resolves once it listens. Errors (bad model, missing folder, port in use) name their cause. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const s = site(o);
  const server = createServer((req, res) => handle(s, req, res));
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(new Error(`cannot listen on ${host}:${o.port ?? 8080}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`)));
    server.listen(o.port ?? 8080, host, () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    meta: s.meta,
    server,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}
