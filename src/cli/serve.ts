// `yolov3 serve`: the browser page for an exported model (src/serve), until
// Ctrl-C. Loads neither libtorch nor onnxruntime-node: the browser runs the model.
import { startServer } from '../serve/server.js';
import { formatHelp, parseArgs, type Specs } from './args.js';

const SPECS = {
  model: { type: 'string', help: 'an .onnx file written by `yolov3 export`', required: true },
  port: { type: 'number', integer: true, min: 0, default: 8080, help: 'TCP port (0: any free one)' },
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 for every interface)' },
  files: { type: 'string', help: 'a folder served under /files/ (open /?image=/files/NAME.jpg to detect on one)' },
} satisfies Specs;

export async function runServe(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 serve', SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 serve --model model.onnx [--port 8080] [--host 127.0.0.1] [--files DIR]', SPECS));
    return 0;
  }
  const served = await startServer({ model: args.model!, port: args.port, host: args.host, files: args.files });
  const m = served.meta;
  console.log(`serving ${args.model} (${m.names.length} classes, ${m.inputWidth}x${m.inputHeight} ${m.resize}, output ${m.output}) at ${served.url}`);
  if (args.files) console.log(`files of ${args.files} under ${served.url}files/ (e.g. ${served.url}?image=/files/NAME.jpg)`);
  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await served.close();
  return 0;
}
