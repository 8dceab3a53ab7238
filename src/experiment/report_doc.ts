// A report as a small document (headings, paragraphs, tables, images)
// rendered twice: Markdown with images beside it, and one self-contained
// HTML file with the images inlined as data URIs. Built from data, not
// parsed from Markdown, so no Markdown library is needed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'image'; title: string; file: string };

const escHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** `code` spans only: the reports' paragraphs use nothing else. */
const inlineHtml = (s: string) => escHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const cellMd = (s: string) => s.replace(/\|/g, '\\|');

export function toMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`);
        break;
      case 'paragraph':
        out.push(b.text);
        break;
      case 'table':
        out.push([b.header, b.header.map(() => '---'), ...b.rows].map((r) => `| ${r.map(cellMd).join(' | ')} |`).join('\n'));
        break;
      case 'image':
        out.push(`![${b.title}](${b.file})`);
        break;
    }
  }
  return out.join('\n\n') + '\n';
}

/** Self-contained HTML: images are read from `dir` and inlined. */
export function toHtml(blocks: Block[], dir: string, title: string): string {
  const body = blocks.map((b) => {
    switch (b.kind) {
      case 'heading':
        return `<h${b.level}>${escHtml(b.text)}</h${b.level}>`;
      case 'paragraph':
        return `<p>${inlineHtml(b.text)}</p>`;
      case 'table': {
        const head = `<tr>${b.header.map((h) => `<th>${escHtml(h)}</th>`).join('')}</tr>`;
        const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td>${escHtml(c)}</td>`).join('')}</tr>`).join('\n');
        return `<table>\n${head}\n${rows}\n</table>`;
      }
      case 'image': {
        const data = readFileSync(join(dir, b.file)).toString('base64');
        return `<figure><img alt="${escHtml(b.title)}" src="data:image/png;base64,${data}"><figcaption>${escHtml(b.title)}</figcaption></figure>`;
      }
    }
  });
  const style = 'body{font-family:sans-serif;max-width:1200px;margin:2em auto;line-height:1.45}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}img{max-width:100%}code{background:#f4f4f4;padding:0 3px}';
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escHtml(title)}</title><style>${style}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}
