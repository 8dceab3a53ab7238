// A small YAML subset parser for ultralytics-style dataset files: block maps
// by indentation, block lists of scalars, flow lists/maps of scalars, quoted
// strings, numbers, booleans, null, comments, and `|` / `>` block scalars
// (ultralytics files carry `download: |` scripts). Anything else is an error that
// names the file and line, never a silent misread.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [k: string]: YamlValue };

interface Line { indent: number; text: string; no: number }

export class YamlError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'YamlError';
  }
}

function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) { if (c === q) q = null; continue; }
    if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i);
  }
  return s;
}

export function parseScalar(raw: string): YamlValue {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if ((s.startsWith('"') && s.endsWith('"') && s.length >= 2)) return JSON.parse(s) as string;
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1).replace(/''/g, "'");
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?(\d[\d_]*)?(\.\d+)?([eE][-+]?\d+)?$/.test(s) && /\d/.test(s)) return Number(s.replace(/_/g, ''));
  return s;
}

/** Splits a flow collection body on top-level commas, respecting quotes. */
function splitFlow(body: string): string[] {
  const out: string[] = [];
  let q: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (q) { if (c === q) q = null; continue; }
    if (c === '"' || c === "'") q = c;
    else if (c === ',') { out.push(body.slice(start, i)); start = i + 1; }
  }
  out.push(body.slice(start));
  return out.map((x) => x.trim()).filter((x, i, a) => x !== '' || i < a.length - 1);
}

/** Index of the `key: value` colon (a colon followed by space or end, outside quotes). */
function keyColon(s: string): number {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) { if (c === q) q = null; continue; }
    if ((c === '"' || c === "'") && i === 0) q = c;
    else if (c === ':' && (i === s.length - 1 || s[i + 1] === ' ')) return i;
  }
  return -1;
}

function parseInline(s: string, file: string, no: number): YamlValue {
  const t = s.trim();
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlError(file, no, `unterminated flow list: ${t}`);
    return splitFlow(t.slice(1, -1)).map((x) => parseScalar(x));
  }
  if (t.startsWith('{')) {
    if (!t.endsWith('}')) throw new YamlError(file, no, `unterminated flow map: ${t}`);
    const m: { [k: string]: YamlValue } = {};
    for (const item of splitFlow(t.slice(1, -1))) {
      const c = keyColon(item);
      if (c < 0) throw new YamlError(file, no, `expected key: value in flow map, got "${item}"`);
      m[String(parseScalar(item.slice(0, c)))] = parseScalar(item.slice(c + 1));
    }
    return m;
  }
  if (/^[&*!]/.test(t)) throw new YamlError(file, no, `unsupported YAML feature: ${t}`);
  return parseScalar(t);
}

export function parseYaml(text: string, file = '<yaml>'): YamlValue {
  const lines: Line[] = [];
  const rawLines = text.split(/\r?\n/);
  rawLines.forEach((raw, i) => {
    if (raw.includes('\t') && /^\s*\t/.test(raw)) throw new YamlError(file, i + 1, 'tab indentation is not allowed in YAML');
    const body = stripComment(raw).trimEnd();
    if (body.trim() === '' || body.trim() === '---') return;
    lines.push({ indent: body.length - body.trimStart().length, text: body.trim(), no: i + 1 });
  });
  let pos = 0;

  function block(indent: number): YamlValue {
    if (pos >= lines.length) return null;
    return lines[pos].text.startsWith('- ') || lines[pos].text === '-' ? list(indent) : map(indent);
  }
  function childOrNull(parentIndent: number): YamlValue {
    if (pos < lines.length && lines[pos].indent > parentIndent) return block(lines[pos].indent);
    // A list may sit at the same indent as its key (a common YAML style).
    if (pos < lines.length && lines[pos].indent === parentIndent && lines[pos].text.startsWith('-')) return list(parentIndent);
    return null;
  }
  function list(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (pos < lines.length && lines[pos].indent === indent && (lines[pos].text.startsWith('- ') || lines[pos].text === '-')) {
      const l = lines[pos++];
      const rest = l.text.slice(1).trim();
      if (rest === '') out.push(childOrNull(indent));
      else if (keyColon(rest) >= 0 && !rest.startsWith('[') && !rest.startsWith('{') && !/^["']/.test(rest))
        throw new YamlError(file, l.no, 'maps inside block lists are not supported by this YAML subset');
      else out.push(parseInline(rest, file, l.no));
    }
    return out;
  }
  /** `|` keeps newlines, `>` folds them; the text is the raw lines (comments included) indented under the key. */
  function blockScalar(indent: number, style: string): string {
    const first = pos;
    while (pos < lines.length && lines[pos].indent > indent) pos++;
    if (pos === first) return '';
    const body = rawLines.slice(lines[first].no - 1, lines[pos - 1].no);
    const cut = lines[first].indent;
    const text = body.map((r) => r.slice(Math.min(cut, r.length - r.trimStart().length))).join(style[0] === '|' ? '\n' : ' ');
    return style.endsWith('-') ? text : text + '\n';
  }
  function map(indent: number): { [k: string]: YamlValue } {
    const out: { [k: string]: YamlValue } = {};
    while (pos < lines.length && lines[pos].indent === indent) {
      const l = lines[pos];
      if (l.text.startsWith('-')) break;
      const c = keyColon(l.text);
      if (c < 0) throw new YamlError(file, l.no, `expected "key: value", got "${l.text}"`);
      pos++;
      const key = String(parseScalar(l.text.slice(0, c)));
      const rest = l.text.slice(c + 1).trim();
      out[key] = rest === '' ? childOrNull(indent) : /^[|>][-+]?$/.test(rest) ? blockScalar(indent, rest) : parseInline(rest, file, l.no);
    }
    return out;
  }

  const root = block(lines.length ? lines[0].indent : 0);
  if (pos < lines.length) throw new YamlError(file, lines[pos].no, `unexpected indentation or content: "${lines[pos].text}"`);
  return root;
}
