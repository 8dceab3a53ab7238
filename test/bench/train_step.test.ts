// The training-step benchmark's two sides compute the same thing: from the
// same darknet weights, images and labels, our step (bench/train_step.ts)
// and the PyTorch reference (bench/reference/train_step.py) give the same
// loss parts on the first step (same model and loss) and on the second
// (same Adam update with the same weight-decay groups). yolov3-tiny at 64 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { writeStepInputs } from '../../bench/train.js';
import { oursTrainStep, type StepResult, type StepSetup } from '../../bench/train_step.js';
import { hasPython, sharedPath, PYTHON, REPO_ROOT } from '../support/references.js';

const STEPS = 2;

function pytorchSteps(setup: StepSetup): StepResult[] {
  const script = join(REPO_ROOT, 'bench', 'reference', 'train_step.py');
  const r = spawnSync(PYTHON, [script, JSON.stringify(setup)], { input: 'step\n'.repeat(STEPS) + 'quit\n', encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`train_step.py failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout.trim().split('\n').slice(0, STEPS).map((l) => JSON.parse(l) as StepResult);
}

test('yolov3-tiny training step: loss parts equal the PyTorch reference on steps 1 and 2, nothing leaks', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!cfg) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-train-step-'));
  try {
    const setup: StepSetup = { ...writeStepInputs(dir, cfg, 2, 64), threads: torch.getNumThreads() };
    const before = torch.memory().tensors;
    const trainer = oursTrainStep(setup);
    const ours: StepResult[] = [];
    const tensorsAfter: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      ours.push(trainer.step());
      tensorsAfter.push(torch.memory().tensors);
    }
    trainer.dispose();
    assert.equal(torch.memory().tensors, before, 'tensors left after dispose');
    // step 1 creates the Adam moments; later steps add nothing
    assert.equal(tensorsAfter[1], tensorsAfter[0], 'a step leaks tensors');
    const theirs = pytorchSteps(setup);
    for (let i = 0; i < STEPS; i++) {
      for (const part of ['box', 'obj', 'cls', 'total'] as const) {
        const [a, b] = [ours[i].loss[part], theirs[i].loss[part]];
        assert.ok(a !== null && b !== null && Number.isFinite(a) && a > 0, `step ${i + 1} ${part}: ours ${a}, PyTorch ${b}`);
        assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(b), `step ${i + 1} ${part}: ours ${a}, PyTorch ${b}`);
      }
    }
    // the second step's loss differs from the first: the update happened on both sides
    assert.notEqual(ours[1].loss.total, ours[0].loss.total);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
