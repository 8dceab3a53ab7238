// JSON.parse for files: V8's syntax errors give a character position (or
// nothing, at the end of the input); readers report file:line instead.
// Imports nothing of the project: src/util sits below every other layer.

/** A JSON syntax error at a 1-based line and column of a file. */
export class JsonSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly reason: string) {
    super(`${file}:${line}:${column}: invalid JSON: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Parses `text` (read from `file`); a syntax error becomes a JsonSyntaxError naming the file, line and column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const pos = at ? Number(at[1]) : text.length;
    const before = text.slice(0, pos), line = before.split('\n').length, column = pos - before.lastIndexOf('\n');
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
    throw new JsonSyntaxError(file, line, column, reason);
  }
}
