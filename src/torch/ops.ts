// The generic bridge to libtorch's operators: `callOp('aten::add.Tensor', ...)`
// calls any ATen operator by its schema name (name.overload) with arguments
// in schema order. Operator ids are looked up once and cached.
import { native } from './native.js';

const ids = new Map<string, number>();

function opId(qualified: string): number {
  let id = ids.get(qualified);
  if (id !== undefined) return id;
  const dot = qualified.indexOf('.', qualified.indexOf('::'));
  const name = dot < 0 ? qualified : qualified.slice(0, dot);
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  id = native.findOp(name, overload);
  if (id < 0) {
    const known = native.listOverloads(name);
    throw new Error(`libtorch has no operator '${qualified}'` + (known.length ? `; overloads: ${known.join(' | ')}` : ''));
  }
  ids.set(qualified, id);
  return id;
}

/** Calls a libtorch operator; tensors go in and come out as raw handles. */
export function callOp(qualified: string, args: unknown[]): unknown {
  return native.callOp(opId(qualified), args);
}

/** Whether libtorch (or the addon, which registers a few ops of its own) has the operator. */
export function hasOp(qualified: string): boolean {
  try {
    opId(qualified);
    return true;
  } catch {
    return false;
  }
}

/** The schema of an operator, e.g. for documentation or error messages. */
export function opSchema(qualified: string): string {
  return native.opSchema(opId(qualified));
}
