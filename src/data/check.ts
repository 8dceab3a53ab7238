// `data check`: what a dataset holds (images, boxes per class, empty
// images, ignored boxes) and every problem found, before training on it.

import { formatProblem, type Dataset, type Problem, type ProblemKind } from './types.js';

export interface CheckReport {
  origin: string;
  classes: number;
  images: number;
  emptyImages: number;
  boxes: number;
  perClass: { cls: number; name: string; boxes: number; images: number }[];
  /** Boxes kept apart for evaluation (COCO iscrowd, VOC difficult). */
  ignored: { crowd: number; difficult: number };
  problems: Problem[];
  problemCounts: Partial<Record<ProblemKind, number>>;
}

export function summarize(ds: Dataset): CheckReport {
  const perClass = ds.names.map((name, cls) => ({ cls, name, boxes: 0, images: 0 }));
  let boxes = 0, empty = 0, crowd = 0, difficult = 0;
  for (const s of ds.samples) {
    if (!s.labels.length) empty++;
    const seen = new Set<number>();
    for (let i = 0; i < s.labels.length; i += 5) {
      const c = s.labels[i];
      perClass[c] ??= { cls: c, name: `class${c}`, boxes: 0, images: 0 };
      perClass[c].boxes++;
      seen.add(c);
      boxes++;
    }
    for (const c of seen) perClass[c].images++;
    for (const k of s.ignoredKind) (k === 'crowd' ? crowd++ : difficult++);
  }
  const problemCounts: Partial<Record<ProblemKind, number>> = {};
  for (const p of ds.problems) problemCounts[p.kind] = (problemCounts[p.kind] ?? 0) + 1;
  return {
    origin: ds.origin, classes: ds.names.length, images: ds.samples.length, emptyImages: empty, boxes,
    perClass, ignored: { crowd, difficult }, problems: ds.problems, problemCounts,
  };
}

export function formatReport(r: CheckReport, maxProblems = 20): string {
  const lines = [
    `dataset  ${r.origin}`,
    `images   ${r.images} (${r.images - r.emptyImages} with labels, ${r.emptyImages} empty)`,
    `boxes    ${r.boxes} in ${r.classes} classes` + (r.ignored.crowd || r.ignored.difficult ? ` (+ kept apart for evaluation: ${r.ignored.crowd} crowd, ${r.ignored.difficult} difficult)` : ''),
    'per class (boxes / images):',
  ];
  const used = r.perClass.filter((c) => c && c.boxes > 0);
  const width = Math.max(4, ...used.map((c) => c.name.length));
  for (const c of used) lines.push(`  ${String(c.cls).padStart(3)} ${c.name.padEnd(width)} ${String(c.boxes).padStart(6)} / ${c.images}`);
  const unused = r.perClass.filter((c) => c && c.boxes === 0).length;
  if (unused) lines.push(`  (${unused} classes without boxes)`);
  lines.push(...problemLines(r.problems, maxProblems));
  return lines.join('\n');
}

/** The report's problems: a count by kind, then each (file:line, what, and whether the image was skipped), the first `maxProblems`. */
export function problemLines(problems: readonly Problem[], maxProblems = 20): string[] {
  const counts = new Map<ProblemKind, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const kinds = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const lines = [`problems ${problems.length}${kinds ? ` (${kinds})` : ''}`];
  for (const p of problems.slice(0, maxProblems)) lines.push(`  ${formatProblem(p)}`);
  if (problems.length > maxProblems) lines.push(`  ... and ${problems.length - maxProblems} more`);
  return lines;
}
