// Independent readers of exported models for the export tests: the ONNX
// checker and strict shape inference of Debian's python3-onnx, and
// onnxruntime-node to run them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import ort from 'onnxruntime-node';
import { hasPython, runPython } from '../support/references.js';

export interface CheckedModel {
  irVersion: number;
  opset: number;
  inputs: Record<string, (number | string)[]>;
  outputs: Record<string, (number | string)[]>;
  metadata: Record<string, string>;
  ops: string[];
}

export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'yolov3-onnx-'));
}

/** Writes the bytes to a temporary .onnx file; returns its path. */
export function writeModel(bytes: Uint8Array, name = 'model.onnx'): string {
  const path = join(tmpDir(), name);
  writeFileSync(path, bytes);
  return path;
}

const CHECK = `
import sys, json, onnx
from onnx import shape_inference
a = json.load(sys.stdin)
onnx.checker.check_model(a['path'], full_check=True)
m = onnx.load(a['path'])
inf = shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
def dims(v):
    return [d.dim_value if d.HasField('dim_value') else d.dim_param for d in v.type.tensor_type.shape.dim]
print(json.dumps({
    'irVersion': m.ir_version,
    'opset': [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')][0],
    'inputs': {v.name: dims(v) for v in inf.graph.input},
    'outputs': {v.name: dims(v) for v in inf.graph.output},
    'metadata': {p.key: p.value for p in m.metadata_props},
    'ops': sorted(set(n.op_type for n in m.graph.node)),
}))
`;

/**
 * onnx.checker.check_model (full check) and strict shape inference; returns
 * what the model declares, as onnx reads it. Null (skipped) without python3-onnx.
 */
export function checkOnnx(t: TestContext, path: string): CheckedModel | null {
  if (!hasPython(t, 'onnx')) return null;
  return runPython<CheckedModel>(CHECK, { path }, { timeoutMs: 300_000 });
}

/** A session on the model, two threads (the machine is shared). */
export function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** Runs the model on one float32 input; returns every output as { data, dims }. */
export async function runOnnx(s: ort.InferenceSession, input: Float32Array, dims: number[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', input, dims) });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims.map(Number) }]));
}
