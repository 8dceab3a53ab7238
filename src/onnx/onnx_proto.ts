// ONNX files are protobuf messages of the official schema (onnx.proto,
// vendored unchanged in ./proto with its licence): protobufjs parses the
// schema, encodes the messages and reads metadata back, so no byte of the
// format is written or parsed by hand. Field names stay as the schema spells
// them (keepCase).
import protobuf from 'protobufjs';
import { packageFile } from '../util/package_file.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, BOOL: 9, INT64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** A plain object in the shape of onnx.TensorProto (the fields we set). */
export interface TensorProto {
  name: string;
  dims: number[];
  data_type: ElemType;
  raw_data: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

/** A dimension: a size, or a name for a size known only at run time (dim_param). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: ElemType; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string: string;
  graph: { name: string; node: NodeProto[]; initializer: TensorProto[]; input: ValueInfoProto[]; output: ValueInfoProto[] };
  metadata_props: { key: string; value: string }[];
}

let schema: protobuf.Root | undefined;

function onnxSchema(): protobuf.Root {
  schema ??= new protobuf.Root().loadSync(packageFile(import.meta.url, 'src/onnx/proto/onnx.proto'), { keepCase: true });
  return schema;
}

function onnxModelType(): protobuf.Type {
  return onnxSchema().lookupType('onnx.ModelProto');
}

let headerType: protobuf.Type | undefined;

/**
 * ModelProto's small fields only (ir_version, opset_import, producer_name,
 * metadata_props, with their numbers and types from onnx.proto): decoding
 * with it skips the graph, weights included, as unknown fields.
 */
function onnxHeaderType(): protobuf.Type {
  if (headerType) return headerType;
  const model = onnxModelType();
  const header = new protobuf.Type('ModelHeader');
  for (const name of ['ir_version', 'opset_import', 'producer_name', 'metadata_props']) {
    const f = model.fields[name];
    header.add(new protobuf.Field(name, f.id, f.type, f.repeated ? 'repeated' : 'optional'));
  }
  (onnxSchema().lookup('onnx') as protobuf.Namespace).add(header);
  headerType = header;
  return header;
}

/** What an .onnx file says about itself, without its graph. */
export interface ModelHeader {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  metadata: Record<string, string>;
}

/** Reads an .onnx file's header; an Error naming `file` when the bytes are not an ONNX model. */
export function readModelHeader(bytes: Uint8Array, file: string): ModelHeader {
  let m: { ir_version?: unknown; opset_import?: { domain?: string; version?: unknown }[]; producer_name?: string; metadata_props?: { key?: string; value?: string }[] };
  try {
    m = onnxHeaderType().toObject(onnxHeaderType().decode(bytes), { longs: Number, defaults: false }) as typeof m;
  } catch (e) {
    throw new Error(`${file}: not an ONNX model (${(e as Error).message})`);
  }
  if (!m.ir_version || !m.opset_import?.length) throw new Error(`${file}: not an ONNX model (no ir_version or opset_import)`);
  return {
    irVersion: Number(m.ir_version),
    opsets: m.opset_import.map((o) => ({ domain: o.domain ?? '', version: Number(o.version) })),
    producer: m.producer_name ?? '',
    metadata: Object.fromEntries((m.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
}

/** A value-info entry: a named float/int tensor of the given dims. */
export function valueInfo(name: string, elemType: ElemType, dims: Dim[], doc?: string): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } }, ...(doc ? { doc_string: doc } : {}) };
}

/** The model as the bytes of an .onnx file. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = onnxModelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX export: the model does not fit onnx.proto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}
