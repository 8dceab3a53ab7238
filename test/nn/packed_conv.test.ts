// PackedConv: the prepacked oneDNN convolution against F.conv2d, on
// channels-last inputs, on a channel slice (a view conv2d_run cannot read
// as it is), after the input shape changes (packed again), and its memory
// freed; 1x1, grouped and non-CPU-float cases take inferenceConv2d.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { PackedConv, toChannelsLast } from '../../src/nn/index.js';

const maxDiff = (a: torch.Tensor, b: torch.Tensor) => torch.tidy(() => a.sub(b).abs().max().item() as number);

test('PackedConv equals F.conv2d on dense and sliced channels-last inputs, across input shapes', () => {
  const start = torch.memory().tensors;
  const packed = new PackedConv();
  torch.tidy(() => torch.noGrad(() => {
    const o = { stride: 2, padding: 1, groups: 1 };
    for (const [k, groups] of [[3, 1], [1, 1], [3, 4]] as const) {
      const w = toChannelsLast(torch.randn([8, 8 / groups, k, k]));
      const b = torch.randn([8]);
      const g = { ...o, padding: k === 1 ? 0 : 1, groups };
      const whole = toChannelsLast(torch.rand([2, 16, 13, 11]));
      for (const x of [whole.slice(1, 0, 8), whole.slice(1, 8, 16), toChannelsLast(torch.rand([1, 8, 20, 20]))]) {
        const y = packed.forward(x, w, b, g);
        const ref = torch.F.conv2d(x.contiguous(), w.contiguous(), b, g);
        assert.deepEqual(y.shape, ref.shape);
        assert.ok(maxDiff(y, ref) < 1e-4, `k=${k} groups=${groups} [${x.shape}]: differs by ${maxDiff(y, ref)}`);
      }
      packed.dispose();
    }
  }));
  packed.dispose();
  assert.equal(torch.memory().tensors, start);
});
