// Dataset YAML through the `yaml` package (YAML 1.2, core schema: `yes` and
// `no` stay strings, as they did in the subset parser this replaced). Any
// error or unresolved alias throws a YamlError naming the file and line.
import { LineCounter, parseDocument, visit, type Document } from 'yaml';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [k: string]: YamlValue };

export class YamlError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'YamlError';
  }
}

/** The library's message without its " at line L, column C:" and the source excerpt it appends (we name the line ourselves). */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** An alias whose anchor is not defined before it fails only when read: found here, with its line. */
function checkAliases(doc: Document, lines: LineCounter, file: string): void {
  visit(doc, {
    Alias(_, node) {
      if (!node.resolve(doc)) throw new YamlError(file, lines.linePos(node.range?.[0] ?? 0).line, `alias *${node.source} has no anchor &${node.source} before it`);
    },
  });
}

export function parseYaml(text: string, file = '<yaml>'): YamlValue {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const err = doc.errors[0];
  if (err) throw new YamlError(file, err.linePos?.[0].line ?? lines.linePos(err.pos[0]).line, firstLine(err.message));
  checkAliases(doc, lines, file);
  return (doc.toJS() ?? null) as YamlValue;
}
