// Builds an ONNX graph: nodes with unique names, initializers (weights and
// constants), inputs and outputs. Every value is named by what made it
// (`conv_12`, `head0_xy`), so an exported graph reads like the cfg.
import { AttributeType, DataType, valueInfo, type AttributeProto, type Dim, type ElemType, type NodeProto, type TensorProto, type ValueInfoProto } from '../onnx/onnx_proto.js';

/** An attribute value, tagged with its ONNX type. */
export type Attr = { f: number } | { i: number } | { s: string } | { floats: number[] } | { ints: number[] };
export const f = (v: number): Attr => ({ f: v });
export const i = (v: number): Attr => ({ i: v });
export const s = (v: string): Attr => ({ s: v });
export const ints = (v: number[]): Attr => ({ ints: v });

function attribute(name: string, a: Attr): AttributeProto {
  if ('f' in a) return { name, type: AttributeType.FLOAT, f: a.f };
  if ('i' in a) return { name, type: AttributeType.INT, i: a.i };
  if ('s' in a) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: a.floats };
  return { name, type: AttributeType.INTS, ints: a.ints };
}

function bytesOf(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly #used = new Set<string>();
  /** int64 and float constants by content, so each distinct one is stored once. */
  readonly #constants = new Map<string, string>();

  /** A fresh name: `hint`, or `hint_2`, `hint_3`, ... when taken. */
  name(hint: string): string {
    let n = hint;
    for (let k = 2; this.#used.has(n); k++) n = `${hint}_${k}`;
    this.#used.add(n);
    return n;
  }

  /** Adds a node with one output; returns the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = type.toLowerCase()): string {
    return this.opN(type, inputs, 1, attrs, hint)[0];
  }

  /** Adds a node with `outputs` outputs (empty input names are ONNX's omitted optional inputs). */
  opN(type: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}, hint = type.toLowerCase()): string[] {
    const out = this.name(hint);
    const names = Array.from({ length: outputs }, (_, k) => (k === 0 ? out : this.name(`${out}_${k}`)));
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({ name: out, op_type: type, input: inputs, output: names, attribute: attribute_ });
    return names;
  }

  /** A float32 initializer (weights). */
  floats(hint: string, data: Float32Array, dims: number[]): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`ONNX export: ${hint}: ${data.length} values for dims [${dims}]`);
    const name = this.name(hint);
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: bytesOf(data) });
    return name;
  }

  /** A float32 constant (stored once per distinct content). */
  constFloats(values: number[], dims: number[] = [values.length]): string {
    return this.#constant('f', values, dims, () => this.floats('const', Float32Array.from(values), dims));
  }

  /** An int64 constant (stored once per distinct content); dims [] makes a scalar. */
  constInts(values: number[], dims: number[] = [values.length]): string {
    return this.#constant('i', values, dims, () => {
      const name = this.name('const');
      this.initializers.push({ name, dims, data_type: DataType.INT64, raw_data: bytesOf(BigInt64Array.from(values, BigInt)) });
      return name;
    });
  }

  #constant(kind: string, values: number[], dims: number[], make: () => string): string {
    const key = `${kind}[${dims.join(',')}]${values.join(',')}`; // join, not JSON: keeps -Infinity
    let name = this.#constants.get(key);
    if (!name) this.#constants.set(key, (name = make()));
    return name;
  }

  input(name: string, elemType: ElemType, dims: Dim[], doc?: string): string {
    this.#used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims, doc));
    return name;
  }

  /** Declares `value` a graph output named `name` (through an Identity when it already has another name). */
  output(value: string, name: string, elemType: ElemType, dims: Dim[], doc?: string): void {
    if (value !== name) {
      if (this.#used.has(name)) throw new Error(`ONNX export: output name '${name}' is taken`);
      this.#used.add(name);
      this.nodes.push({ name, op_type: 'Identity', input: [value], output: [name], attribute: [] });
    }
    this.outputs.push(valueInfo(name, elemType, dims, doc));
  }
}
