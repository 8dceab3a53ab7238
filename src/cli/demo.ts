// `yolov3 demo`: a small end-to-end check of the engine on generated data
// (a conv net learns to find bright squares on noise), printing the falling
// loss. The main job until the detector and training land.
import * as torch from '../torch/index.js';
import { Conv2d, BatchNorm2d, LeakyReLU, Sequential } from '../nn/index.js';
import { Progress } from '../util/progress.js';

const SIZE = 32;

/** Noise images with one bright square each, and the square's mask as the target. */
function makeBatch(batch: number, generator: torch.Generator): { images: torch.Tensor; masks: torch.Tensor } {
  return torch.tidy(() => {
    const images = torch.rand([batch, 3, SIZE, SIZE], { generator }).mul(0.5);
    const masks = torch.zeros([batch, 1, SIZE, SIZE]);
    const corners = torch.randint(0, SIZE - 8, [batch, 2], { generator }).toArray();
    for (let b = 0; b < batch; b++) {
      const [y, x] = [corners[2 * b], corners[2 * b + 1]];
      const area = { start: y, end: y + 8 };
      const cols = { start: x, end: x + 8 };
      images.indexPut_([b, null, area, cols], 1);
      masks.indexPut_([b, 0, area, cols], 1);
    }
    return { images, masks };
  });
}

export function runDemo(args: string[]): number {
  const steps = Number(args[args.indexOf('--steps') + 1]) || 150;
  torch.manualSeed(0);
  const generator = new torch.Generator(0);
  const net = new Sequential(
    new Conv2d(3, 16, 3, { padding: 1, bias: false }), new BatchNorm2d(16), new LeakyReLU(0.1),
    new Conv2d(16, 16, 3, { padding: 1, bias: false }), new BatchNorm2d(16), new LeakyReLU(0.1),
    new Conv2d(16, 1, 1),
  );
  const optimizer = new torch.optim.Adam(net.parameters(), { lr: 1e-2 });
  console.log(`demo: a ${net.parameters().length}-tensor conv net learns to find squares (${torch.getNumThreads()} threads, libtorch ${torch.versions().torch})`);
  const progress = new Progress('train', steps, 'steps');
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const loss = torch.tidy(() => {
      const { images, masks } = makeBatch(16, generator);
      optimizer.zeroGrad();
      const l = torch.F.binaryCrossEntropyWithLogits(net.forward(images), masks);
      l.backward();
      optimizer.step();
      return l.item();
    });
    losses.push(loss);
    progress.update(step, `loss ${loss.toFixed(4)}`);
  }
  net.eval();
  const accuracy = torch.tidy(() => {
    const { images, masks } = makeBatch(64, generator);
    const predicted = torch.noGrad(() => net.forward(images)).gt(0);
    return predicted.eq(masks.bool()).float().mean().item();
  });
  console.log(`loss ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(4)}; pixel accuracy on new images ${(100 * accuracy).toFixed(1)}%`);
  optimizer.zeroGrad();
  optimizer.disposeState();
  net.dispose();
  return losses[losses.length - 1] < losses[0] ? 0 : 1;
}
