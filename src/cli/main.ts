#!/usr/bin/env node
// The `yolov3` command: dispatches to sub-commands. With no arguments it
// runs the built-in default job. Each command's module loads only when it
// runs, so `detect --model` and `serve` never load libtorch.
import { UsageError } from './args.js';

type Command = { summary: string; run: (args: string[]) => number | Promise<number> };

const COMMANDS: Record<string, Command> = {
  shapes: { summary: 'the main job: train a small YOLOv3-tiny-style model on generated shapes, report mAP on held-out ones', run: (a) => import('./train.js').then((m) => m.runMainJob(a)) },
  train: { summary: 'train a darknet cfg on a dataset (--preset series for the series settings)', run: (a) => import('./train.js').then((m) => m.runTrain(a)) },
  val: { summary: 'evaluate a model on a dataset: COCO metrics table, per-class AP, VOC mAP@0.5', run: (a) => import('./val.js').then((m) => m.runVal(a)) },
  experiment: { summary: "'experiment series': the series' loss, objectness and assignment experiments, five runs and a report", run: (a) => import('./experiment.js').then((m) => m.runExperiment(a)) },
  demo: { summary: 'train a small conv net on generated data and print the falling loss', run: (a) => import('./demo.js').then((m) => m.runDemo(a)) },
  detect: { summary: 'detect objects in images with a darknet cfg and weights, or an exported .onnx (--model)', run: (a) => import('./detect.js').then((m) => m.runDetect(a)) },
  summary: { summary: "print a cfg's layers, parameters and GFLOPs, as darknet does", run: (a) => import('./summary.js').then((m) => m.runSummary(a)) },
  export: { summary: 'write a darknet cfg and weights as an ONNX model (raw heads, decoded boxes, or with NMS)', run: (a) => import('./export.js').then((m) => m.runExport(a)) },
  serve: { summary: 'serve a web page that runs an exported .onnx in the browser (onnxruntime-web): file picker, drag-and-drop, webcam', run: (a) => import('./serve.js').then((m) => m.runServe(a)) },
  anchors: { summary: 'anchors for a dataset: k-means (1 - IoU) and evolution; the anchors= line, mean IoU and best possible recall', run: (a) => import('./anchors.js').then((m) => m.runAnchors(a)) },
  data: {
    summary: "'data check --data D': count images, labels and problems; --preview F draws a labelled mosaic",
    run: (args) => (args[0] === 'check' ? import('./data_check.js').then((m) => m.runDataCheck(args.slice(1))) : (console.error("yolov3 data: use 'yolov3 data check --data D' (--help for options)"), 2)),
  },
};

const DEFAULT = 'shapes';

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: yolov3 <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nWith no command, runs '${DEFAULT}'. 'yolov3 <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name ?? DEFAULT];
  if (!command) {
    console.error(`yolov3: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return command.run(name === undefined ? [] : rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof UsageError ? (e as Error).message : `yolov3: ${(e as Error).message}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
