// Mutation operators of the fuzzer: each takes the seed file's bytes and a
// seeded generator and returns new bytes plus a short description. Text
// operators work on lines and numbers; byte operators on any file.
import type { Rng } from '../../src/data/rng.js';

export interface Mutation {
  bytes: Buffer;
  what: string;
}

type Op = (b: Buffer, r: Rng) => Mutation;

const WEIRD_NUMBERS = ['NaN', 'nan', 'Infinity', '-Infinity', 'inf', '-inf', '1e309', '-1e309', '99999999999', '-99999999999', '-1', '-0', '0', '1e-320', '2147483648', '4294967296', '9007199254740993', '0x10', '1_000', '.', '-', '+', ''];
const UNICODE = ['é', '\u00a0', '\u200b', '\ufeff', '日本', '\ud83d\ude00', '\u0000', '\r', '\t', '\\', '"', "'", '<', '&', '{', '[', ']', ':', '#', ';', '='];

const pick = <T>(r: Rng, a: readonly T[]): T => a[r.int(0, a.length)];
const lines = (b: Buffer) => b.toString('utf8').split('\n');
const text = (l: string[]) => Buffer.from(l.join('\n'), 'utf8');

const truncate: Op = (b, r) => {
  const n = r.int(0, Math.max(1, b.length));
  return { bytes: b.subarray(0, n), what: `truncate to ${n} of ${b.length} bytes` };
};

const flipBytes: Op = (b, r) => {
  const out = Buffer.from(b), k = 1 + r.int(0, 8);
  // Most format checks sit in the first bytes: flip there half the time.
  const span = r.chance(0.5) ? Math.min(out.length, 64) : out.length;
  const at: number[] = [];
  for (let i = 0; i < k && span > 0; i++) { const j = r.int(0, span); out[j] ^= 1 << r.int(0, 8); at.push(j); }
  return { bytes: out, what: `flip bits at ${at.join(',')}` };
};

const setBytes: Op = (b, r) => {
  const out = Buffer.from(b), at = r.int(0, Math.max(1, Math.min(out.length, 64))), v = pick(r, [0x00, 0xff, 0x7f, 0x80]);
  for (let i = at; i < Math.min(out.length, at + 4); i++) out[i] = v;
  return { bytes: out, what: `set 4 bytes at ${at} to ${v}` };
};

const empty: Op = () => ({ bytes: Buffer.alloc(0), what: 'empty file' });

const appendGarbage: Op = (b, r) => {
  const extra = Buffer.alloc(1 + r.int(0, 64));
  for (let i = 0; i < extra.length; i++) extra[i] = r.int(0, 256);
  return { bytes: Buffer.concat([b, extra]), what: `append ${extra.length} random bytes` };
};

const deleteLine: Op = (b, r) => {
  const l = lines(b), i = r.int(0, l.length);
  l.splice(i, 1);
  return { bytes: text(l), what: `delete line ${i + 1}` };
};

const duplicateLine: Op = (b, r) => {
  const l = lines(b), i = r.int(0, l.length), times = 1 + r.int(0, 3);
  l.splice(i, 0, ...Array<string>(times).fill(l[i]));
  return { bytes: text(l), what: `duplicate line ${i + 1} ${times}x` };
};

/** Replaces one number in the text (a count, a size, a coordinate) by an extreme or non-finite one. */
const weirdNumber: Op = (b, r) => {
  const s = b.toString('utf8'), nums = [...s.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)];
  if (!nums.length) return insertUnicode(b, r);
  const m = pick(r, nums), v = pick(r, WEIRD_NUMBERS), line = s.slice(0, m.index).split('\n').length;
  return { bytes: Buffer.from(s.slice(0, m.index) + v + s.slice(m.index! + m[0].length), 'utf8'), what: `line ${line}: number ${m[0]} -> '${v}'` };
};

/** A count off by one or more: a number changed by a small amount. */
const wrongCount: Op = (b, r) => {
  const s = b.toString('utf8'), nums = [...s.matchAll(/\b\d+\b/g)];
  if (!nums.length) return duplicateLine(b, r);
  const m = pick(r, nums), v = String(Math.max(0, Number(m[0]) + pick(r, [-2, -1, 1, 2, 10]))), line = s.slice(0, m.index).split('\n').length;
  return { bytes: Buffer.from(s.slice(0, m.index) + v + s.slice(m.index! + m[0].length), 'utf8'), what: `line ${line}: count ${m[0]} -> ${v}` };
};

const insertUnicode: Op = (b, r) => {
  const s = b.toString('utf8'), at = r.int(0, s.length + 1), u = pick(r, UNICODE);
  return { bytes: Buffer.from(s.slice(0, at) + u + s.slice(at), 'utf8'), what: `insert ${JSON.stringify(u)} at char ${at}` };
};

const swapLines: Op = (b, r) => {
  const l = lines(b), i = r.int(0, l.length), j = r.int(0, l.length);
  [l[i], l[j]] = [l[j], l[i]];
  return { bytes: text(l), what: `swap lines ${i + 1} and ${j + 1}` };
};

export const TEXT_OPS: Record<string, Op> = { truncate, flipBytes, empty, deleteLine, duplicateLine, weirdNumber, wrongCount, insertUnicode, swapLines, appendGarbage };
export const BINARY_OPS: Record<string, Op> = { truncate, flipBytes, setBytes, empty, appendGarbage };

/** One or (a third of the time) two stacked mutations. */
export function mutate(bytes: Buffer, binary: boolean, r: Rng): Mutation {
  const ops = Object.values(binary ? BINARY_OPS : TEXT_OPS);
  let m = pick(r, ops)(bytes, r);
  if (r.chance(1 / 3)) {
    const again = pick(r, ops)(m.bytes, r);
    m = { bytes: again.bytes, what: `${m.what}; ${again.what}` };
  }
  return m;
}

/**
 * A .safetensors file mutated inside its JSON header (names, dtypes, shapes,
 * offsets, metadata) with a text operator; the 8-byte length is rewritten to
 * the new header's half of the time, else kept (then it points elsewhere).
 */
export function mutateSafetensorsHeader(b: Buffer, r: Rng): Mutation {
  const n = Number(b.readBigUInt64LE(0)), header = b.subarray(8, 8 + n), body = b.subarray(8 + n);
  const ops = [weirdNumber, wrongCount, insertUnicode, truncate, flipBytes];
  const m = pick(r, ops)(header, r), fix = r.chance(0.5);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(fix ? m.bytes.length : n));
  return { bytes: Buffer.concat([len, m.bytes, body]), what: `header: ${m.what}${fix ? '' : ' (length kept)'}` };
}
