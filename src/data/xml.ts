// A small XML parser, enough for PASCAL VOC annotations: elements, text,
// attributes, comments, processing instructions and the five entities.
// Malformed input throws with the file and line.

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e] ?? m);
}

export function parseXml(text: string, file = '<xml>'): XmlNode {
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  const fail = (i: number, msg: string): never => { throw new Error(`${file}:${lineAt(i)}: ${msg}`); };
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt < 0) { top.text += decode(text.slice(i)); break; }
    if (lt > i) top.text += decode(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) { const e = text.indexOf('-->', lt); if (e < 0) fail(lt, 'unterminated comment'); i = e + 3; continue; }
    if (text.startsWith('<?', lt)) { const e = text.indexOf('?>', lt); if (e < 0) fail(lt, 'unterminated <?'); i = e + 2; continue; }
    if (text.startsWith('<![CDATA[', lt)) { const e = text.indexOf(']]>', lt); if (e < 0) fail(lt, 'unterminated CDATA'); top.text += text.slice(lt + 9, e); i = e + 3; continue; }
    if (text.startsWith('<!', lt)) { const e = text.indexOf('>', lt); if (e < 0) fail(lt, 'unterminated <!'); i = e + 1; continue; }
    const gt = text.indexOf('>', lt);
    if (gt < 0) fail(lt, 'unterminated tag');
    const tag = text.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.length === 1 || top.name !== name) fail(lt, `closing </${name}> does not match <${top.name}>`);
      stack.pop();
    } else {
      const selfClose = tag.endsWith('/');
      const body = selfClose ? tag.slice(0, -1) : tag;
      const m = /^([^\s/>]+)/.exec(body);
      if (!m) fail(lt, 'tag without a name');
      const node: XmlNode = { name: m![1], attrs: {}, children: [], text: '' };
      for (const a of body.slice(m![1].length).matchAll(/([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) node.attrs[a[1]] = decode(a[3] ?? a[4]);
      top.children.push(node);
      if (!selfClose) stack.push(node);
    }
    i = gt + 1;
  }
  if (stack.length > 1) fail(text.length, `unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) fail(0, `expected one root element, found ${root.children.length}`);
  return root.children[0];
}

export function child(n: XmlNode, name: string): XmlNode | undefined {
  return n.children.find((c) => c.name === name);
}
export function children(n: XmlNode, name: string): XmlNode[] {
  return n.children.filter((c) => c.name === name);
}
/** Trimmed text of a child element, or undefined. */
export function childText(n: XmlNode, name: string): string | undefined {
  const c = child(n, name);
  return c ? c.text.trim() : undefined;
}
