// Seeded random boxes for the box tests, including the degenerate cases the
// IoU family must survive: identical, nested, disjoint, touching, zero-area.

/** mulberry32: a small seeded generator, so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type B = [number, number, number, number];

/** A random xyxy box inside [0, scale]^2 with positive size. */
export function randomBox(r: () => number, scale = 100): B {
  const x = r() * scale, y = r() * scale;
  return [x, y, x + 0.5 + r() * scale * 0.5, y + 0.5 + r() * scale * 0.5];
}

/** Hand-placed pairs (a, b) covering the special geometries. */
export const SPECIAL_PAIRS: { name: string; a: B; b: B }[] = [
  { name: 'identical', a: [10, 10, 20, 30], b: [10, 10, 20, 30] },
  { name: 'nested', a: [0, 0, 50, 50], b: [10, 20, 30, 40] },
  { name: 'disjoint', a: [0, 0, 10, 10], b: [20, 20, 30, 35] },
  { name: 'touching edge', a: [0, 0, 10, 10], b: [10, 0, 20, 10] },
  { name: 'zero width', a: [5, 5, 5, 15], b: [0, 0, 10, 10] },
  { name: 'zero height', a: [5, 5, 15, 5], b: [0, 0, 10, 10] },
  { name: 'point inside box', a: [5, 5, 5, 5], b: [0, 0, 10, 10] },
  { name: 'identical points', a: [3, 3, 3, 3], b: [3, 3, 3, 3] },
  { name: 'distinct points', a: [1, 1, 1, 1], b: [4, 5, 4, 5] },
  { name: 'identical lines', a: [0, 2, 8, 2], b: [0, 2, 8, 2] },
  { name: 'partial overlap', a: [0, 0, 10, 10], b: [5, 5, 15, 15] },
];
