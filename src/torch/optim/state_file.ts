// Optimizer state as named tensors plus JSON, so it fits a tensor file
// (checkpoints): tensors go to `<prefix>.state.<param>.<key>`, numbers and
// group options to the JSON string.
import { Tensor } from '../tensor.js';
import type { OptimizerStateDict, ParamState } from './optimizer.js';

export function optimizerStateToTensors(dict: OptimizerStateDict, prefix = 'optimizer'): { tensors: Map<string, Tensor>; json: string } {
  const tensors = new Map<string, Tensor>();
  const numbers: Record<string, Record<string, number>> = {};
  for (const [index, state] of Object.entries(dict.state)) {
    for (const [key, value] of Object.entries(state)) {
      if (value instanceof Tensor) tensors.set(`${prefix}.state.${index}.${key}`, value);
      else (numbers[index] ??= {})[key] = value;
    }
  }
  return { tensors, json: JSON.stringify({ paramGroups: dict.paramGroups, numbers }) };
}

/** The inverse; the returned state refers to the given tensors (loadStateDict copies them). */
export function optimizerStateFromTensors(tensors: Map<string, Tensor>, json: string, prefix = 'optimizer'): OptimizerStateDict {
  let parsed: { paramGroups: OptimizerStateDict['paramGroups']; numbers: Record<string, Record<string, number>> };
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('optimizer state: the JSON part is not valid JSON');
  }
  if (!Array.isArray(parsed?.paramGroups)) throw new Error('optimizer state: missing paramGroups');
  const state: Record<number, ParamState> = {};
  for (const [index, values] of Object.entries(parsed.numbers ?? {})) state[Number(index)] = { ...values };
  const head = `${prefix}.state.`;
  for (const [name, t] of tensors) {
    if (!name.startsWith(head)) continue;
    const rest = name.slice(head.length);
    const dot = rest.indexOf('.');
    if (dot < 0) throw new Error(`optimizer state: bad tensor name '${name}'`);
    (state[Number(rest.slice(0, dot))] ??= {})[rest.slice(dot + 1)] = t;
  }
  // Every parameter's state has the same entries (Adam: step, exp_avg, exp_avg_sq): one missing
  // (a damaged name) would otherwise surface as an undefined tensor in the next step.
  const keys = Object.entries(state).map(([i, s]) => [i, Object.keys(s).sort().join(', ')]);
  const odd = keys.find(([, k]) => k !== keys[0][1]);
  if (odd) throw new Error(`optimizer state: parameter ${odd[0]} has {${odd[1]}}, parameter ${keys[0][0]} has {${keys[0][1]}}`);
  return { state, paramGroups: parsed.paramGroups };
}
