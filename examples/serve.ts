// Example: export a model to ONNX and serve the browser page that runs it
// (onnxruntime-web, WebAssembly: the detection happens in the browser).
//
//   node dist/examples/serve.js --cfg C --weights W --names N [--out model.onnx] [--files images/] [--port 8080]
//
// Open the printed address, then drop an image on the page (or start the
// webcam); with --files, /?image=/files/NAME detects on one of its images.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Darknet, loadModelFile, readNames, saveOnnx, startServer, type RunningServer } from 'yolov3-ts';

export interface ServeExample {
  cfg: string;
  weights: string;
  namesFile: string;
  /** Where the .onnx goes. */
  out: string;
  /** A folder served under /files/. */
  files?: string;
  /** 0 picks a free port. */
  port?: number;
}

export async function exportAndServe(o: ServeExample): Promise<RunningServer> {
  const model = Darknet.fromFile(o.cfg);
  try {
    loadModelFile(model, o.weights); // darknet .weights or a training checkpoint
    const bytes = saveOnnx(model, o.out, { names: readNames(o.namesFile) }); // decoded boxes; the page applies NMS
    console.log(`exported ${o.out} (${(bytes / 1e6).toFixed(1)} MB)`);
  } finally {
    model.dispose(); // the page needs only the .onnx
  }
  const server = await startServer({ model: o.out, files: o.files, port: o.port ?? 8080 });
  console.log(`serving ${o.out} at ${server.url}`);
  return server;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cfg: { type: 'string' }, weights: { type: 'string' }, names: { type: 'string' }, out: { type: 'string' }, files: { type: 'string' }, port: { type: 'string' } },
  });
  if (!values.cfg || !values.weights || !values.names) {
    console.error('usage: node dist/examples/serve.js --cfg C --weights W --names N [--out model.onnx] [--files DIR] [--port 8080]');
    process.exit(2);
  }
  const server = await exportAndServe({ cfg: values.cfg, weights: values.weights, namesFile: values.names, out: values.out ?? 'model.onnx', files: values.files, port: values.port ? Number(values.port) : undefined });
  process.once('SIGINT', () => void server.close());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
