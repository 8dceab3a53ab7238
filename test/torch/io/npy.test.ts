import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../../src/torch/index.js';
import { hasPython, runPython } from '../../support/references.js';

test('.npy files round trip and numpy reads and writes them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-ts-'));
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const cases = { f32: torch.randn([2, 3, 4]), f64: torch.randn([5]).double(), i64: torch.arange(6).reshape([2, 3]), u8: torch.arange(4).to('uint8'), b: torch.tensor([true, false]), s: torch.tensor([[1.5]]) };
    for (const [name, x] of Object.entries(cases)) {
      torch.io.saveNpy(join(dir, `${name}.npy`), x);
      const back = torch.io.loadNpy(join(dir, `${name}.npy`));
      assert.equal(back.dtype, x.dtype);
      assert.deepEqual(back.tolist(), x.tolist());
    }
    if (hasPython(t, 'numpy')) {
      const seen = runPython<Record<string, [string, number[], number]>>(
        `import sys, json, numpy as np
d = json.load(sys.stdin)
out = {}
for n in ['f32', 'f64', 'i64', 'u8', 'b', 's']:
    a = np.load(f'{d}/{n}.npy')
    out[n] = [str(a.dtype), list(a.shape), float(a.astype(np.float64).sum())]
np.save(f'{d}/fortran.npy', np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
print(json.dumps(out))`, dir);
      for (const [name, x] of Object.entries(cases)) {
        assert.deepEqual(seen[name][1], x.shape, `${name} shape in numpy`);
        assert.ok(Math.abs(seen[name][2] - x.double().sum().item()) < 1e-6, `${name} sum in numpy`);
      }
      assert.equal(seen.f32[0], 'float32');
      assert.equal(seen.i64[0], 'int64');
      assert.equal(seen.b[0], 'bool');
      assert.deepEqual(torch.io.loadNpy(join(dir, 'fortran.npy')).tolist(), [[0, 1, 2], [3, 4, 5]]);
    }
  });
  const bytes = readFileSync(join(dir, 'f32.npy'));
  writeFileSync(join(dir, 'cut.npy'), bytes.subarray(0, bytes.length - 3));
  assert.throws(() => torch.io.loadNpy(join(dir, 'cut.npy')), /cut\.npy: .*expected 96 data bytes/);
  writeFileSync(join(dir, 'junk.npy'), 'hello');
  assert.throws(() => torch.io.loadNpy(join(dir, 'junk.npy')), /junk\.npy: not a readable \.npy file: bad magic/);
  assert.equal(torch.memory().tensors, start);
});
