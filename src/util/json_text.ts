// JSON.parse for files: V8's syntax errors give a character position (or
// nothing, at the end of the input); readers report file:line instead.
// Imports nothing of the project: src/util sits below every other layer.

/** A JSON syntax error at a 1-based line and column of a file (when V8 says where). */
export class JsonSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly column: number | undefined, readonly reason: string) {
    super(`${file}${line === undefined ? '' : `:${line}:${column}`}: invalid JSON: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Parses `text` (read from `file`); a syntax error becomes a JsonSyntaxError naming the file, line and column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // the position is given, or it is the end ("Unexpected end of JSON input"); V8 gives none for some tokens
    const at = /at position (\d+)/.exec(message), end = /end of JSON input/.test(message);
    const pos = at ? Number(at[1]) : end ? text.length : undefined;
    const before = pos === undefined ? undefined : text.slice(0, pos);
    const line = before?.split('\n').length, column = before === undefined ? undefined : pos! - before.lastIndexOf('\n');
    // V8 quotes the text near the error, newlines and all: keep the message on one line
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)$/, '').replace(/\s*\n\s*/g, ' ');
    throw new JsonSyntaxError(file, line, column, reason);
  }
}
