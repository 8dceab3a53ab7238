// A cfg whose [yolo] classes differ from the dataset's class names (the
// stock 80-class cfgs on VOC's 20): the heads are rebuilt for the dataset,
// as ultralytics' "overriding nc=80 with nc=20" does. The cfg text is
// rewritten (`classes=` of each [yolo], `filters=` of the convolution that
// feeds it), saved in the run folder so that checkpoints name it and
// detect / val / export use it, and pretrained weights go into every layer
// whose shape still fits.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Darknet, loadWeights, readCfg, type DarknetCfg, type WeightsOptions } from '../darknet/index.js';
import { writeFileAtomic } from '../util/atomic_write.js';

/** Section header line (1-based) -> option -> new value. */
type Edits = Map<number, Map<string, string>>;

const keyOf = (line: string) => {
  const s = line.replace(/\s+/g, '');
  return s === '' || s[0] === '#' || s[0] === ';' || s[0] === '[' ? null : s.slice(0, Math.max(0, s.indexOf('=')));
};

/** Applies `edits`: an option's lines replaced in its section, or the option added at the section's end. */
function rewrite(lines: string[], edits: Edits): string[] {
  const out: string[] = [];
  let section: Map<string, string> | undefined;
  let todo = new Map<string, string>();
  const flush = () => { for (const [k, v] of todo) out.push(`${k}=${v}`); };
  lines.forEach((line, i) => {
    if (line.trim().startsWith('[')) {
      flush();
      out.push(line);
      section = edits.get(i + 1);
      todo = new Map(section);
      return;
    }
    const key = keyOf(line);
    const value = key === null ? undefined : section?.get(key);
    if (value === undefined) { out.push(line); return; }
    out.push(`${key}=${value}${line.endsWith('\r') ? '\r' : ''}`);
    todo.delete(key!);
  });
  flush();
  return out;
}

/** The cfg text with `classes=` of every [yolo] and `filters=` of the convolution before it set for `classes`. */
export function cfgWithClasses(text: string, cfg: DarknetCfg, classes: number): string {
  const edits: Edits = new Map();
  const set = (line: number, key: string, value: string) => edits.set(line, (edits.get(line) ?? new Map()).set(key, value));
  for (const l of cfg.layers) {
    if (l.type !== 'yolo') continue;
    const conv = cfg.layers[l.index - 1];
    if (conv?.type !== 'convolutional') throw new Error(`${cfg.file}:${l.where.line}: the layer before this [yolo] is not a [convolutional]; cannot resize the head for ${classes} classes`);
    set(l.where.line, 'classes', String(classes));
    set(conv.where.line, 'filters', String((classes + 5) * l.mask.length));
  }
  return rewrite(text.split('\n'), edits).join('\n');
}

/**
 * When the cfg's heads are not for `names.length` classes: writes the
 * adapted cfg to `dir` (named as the given one), says so, and returns its
 * path with the original's; null when the cfg already fits.
 */
export function fitHeadsToData(cfgPath: string, names: readonly string[], dataSpec: string, dir: string, say: (line: string) => void): { cfg: string; original: string } | null {
  const cfg = readCfg(cfgPath);
  const heads = cfg.layers.filter((l) => l.type === 'yolo');
  const classes = names.length;
  if (classes === 0 || heads.length === 0 || heads.every((h) => h.classes === classes)) return null;
  const from = [...new Set(heads.map((h) => h.classes))].join('/');
  const text = cfgWithClasses(readFileSync(cfgPath, 'utf8'), cfg, classes);
  const out = join(dir, basename(cfgPath));
  writeFileAtomic(out, Buffer.from(`# ${cfgPath} with its ${heads.length} heads rebuilt for ${classes} classes (${dataSpec}) by yolov3 train\n${text}`));
  say(`overriding classes=${from} with ${classes} from ${dataSpec}: heads rebuilt; the adapted cfg is ${out} (use it with detect, val and export)`);
  return { cfg: out, original: cfgPath };
}

/**
 * Darknet weights written for `originalCfg` loaded into `model` (the adapted
 * cfg's) wherever a tensor's name and shape still fit (with a cutoff, in its
 * first `cutoff` layers only); returns the names left as initialised.
 */
export function loadFittingWeights(model: Darknet, originalCfg: string, path: string, o: WeightsOptions = {}, say: (line: string) => void = () => {}): string[] {
  const source = Darknet.fromFile(originalCfg);
  try {
    loadWeights(source, path, o);
    const own = model.stateDict();
    const inCutoff = (name: string) => o.cutoff === undefined || Number(/^layers\.(\d+)\./.exec(name)?.[1] ?? Infinity) < o.cutoff;
    const fits = new Map([...source.stateDict()].filter(([k, t]) => inCutoff(k) && own.get(k)?.shape.join(',') === t.shape.join(',')));
    model.loadStateDict(fits, { strict: false });
    const fresh = [...own.keys()].filter((k) => !fits.has(k) && inCutoff(k));
    const layers = [...new Set(fresh.map((k) => /^layers\.(\d+)\./.exec(k)?.[1] ?? k))];
    const rest = layers.length ? `; layer${layers.length === 1 ? '' : 's'} ${layers.join(', ')} (the rebuilt heads) start fresh` : '';
    say(`${path}: loaded into every layer that still fits${rest}`);
    return fresh;
  } finally {
    source.dispose();
  }
}
