// `yolov3 summary`: darknet's start-up table of layers, parameters and GFLOPs for a cfg.
import { readCfg, summarize, formatSummary, formatWarning } from '../darknet/index.js';
import { formatHelp, parseArgs, type Specs } from './args.js';

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg', required: true },
  'img-size': { type: 'number', integer: true, help: 'input size (default: the cfg size)' },
  strict: { type: 'boolean', help: 'unknown cfg keys are errors instead of warnings' },
} satisfies Specs;

export function runSummary(argv: string[]): number {
  const args = parseArgs('yolov3 summary', SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 summary --cfg C [--img-size N]', SPECS));
    return 0;
  }
  const cfg = readCfg(args.cfg!, { strict: args.strict, onWarning: (w) => console.error(`warning: ${formatWarning(w)}`) });
  const size = args['img-size'];
  console.log(formatSummary(summarize(cfg, size ? { width: size, height: size } : {})));
  return 0;
}
