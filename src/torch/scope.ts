// Deterministic freeing of native memory. The garbage collector cannot see
// the native bytes a tensor holds, so tensors are freed by scopes:
// `tidy(fn)` frees every tensor created while `fn` runs except those it
// returns (which move to the enclosing scope), and `dispose()` frees one
// tensor at once. The native handle's finalizer only backs this up.
import type { Tensor } from './tensor.js';

type Scope = Set<Tensor>;
const scopes: Scope[] = [];

/** Records a new tensor in the innermost open scope, if any. */
export function trackTensor(t: Tensor): Scope | undefined {
  const scope = scopes[scopes.length - 1];
  scope?.add(t);
  return scope;
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { __isTensor?: boolean }).__isTensor === true;
}

/** Tensors reachable from a returned value: a tensor, or arrays, Maps and plain objects of them. */
function collect(value: unknown, out: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensorLike(value)) {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` and frees every tensor it created, except the ones reachable from
 * its result. On a throw, everything it created is freed and the error rethrown.
 * `fn` must be synchronous: a scope cannot follow an `await`.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = new Set();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new Error('tidy(fn): fn returned a Promise; scopes cannot span an await. Use dispose() for async code.');
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) {
      t._moveToScope(parent);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Takes a tensor (or tensors) out of scope tracking: the caller now owns it. */
export function keep<T>(value: T): T {
  const found = new Set<Tensor>();
  collect(value, found);
  for (const t of found) t._moveToScope(undefined);
  return value;
}

/** Disposes every tensor reachable from `value` (tensor, array, Map or plain object). */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collect(value, found);
  for (const t of found) t.dispose();
}
