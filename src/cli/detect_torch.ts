// `yolov3 detect --cfg`: the libtorch Detector behind the command, with
// --save-raw's .npy files (the network input and raw heads of each image).
import * as torch from '../torch/index.js';
import { Detector } from '../detect/detector.js';
import type { CliDetector, DetectArgs } from './detect.js';

export function openTorchDetector(args: DetectArgs): CliDetector {
  const detector = Detector.fromDarknet({ cfg: args.cfg!, weights: args.weights, names: args.names, imgSize: args['img-size'], device: args.device as torch.Device });
  return {
    names: detector.names,
    async run(images, options, rawPrefixes) {
      const t0 = process.hrtime.bigint();
      const { results, raw } = detector.detectImages(images, options, Boolean(rawPrefixes));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6 / images.length;
      if (raw) {
        try {
          rawPrefixes!.forEach((prefix, k) => torch.tidy(() => {
            torch.io.saveNpy(`${prefix}.input.npy`, raw.input.narrow(0, k, 1).cpu());
            raw.heads.forEach((h, i) => torch.io.saveNpy(`${prefix}.head${i}.npy`, h.narrow(0, k, 1).cpu()));
          }));
        } finally {
          torch.dispose(raw);
        }
      }
      return { results, ms };
    },
    dispose: () => detector.dispose(),
  };
}
