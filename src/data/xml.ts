// XML for PASCAL VOC annotations through `fast-xml-parser`: its validator
// finds malformed input (thrown with the file and line), its ordered parse
// becomes a small element tree (name, attributes, children, text).

import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element's own text (entities decoded, CDATA included), its children's not. */
  text: string;
}

/** fast-xml-parser's `preserveOrder` form: one key (the tag, or `#text`) and `:@` for attributes. */
type Ordered = { [tag: string]: Ordered[] | string | Record<string, string> };

const PARSER = new XMLParser({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false,
  trimValues: false, htmlEntities: true, ignoreDeclaration: true, ignorePiTags: true,
});

function toNode(name: string, entry: Ordered): XmlNode {
  const node: XmlNode = { name, attrs: { ...((entry[':@'] as Record<string, string> | undefined) ?? {}) }, children: [], text: '' };
  for (const item of entry[name] as Ordered[]) {
    const tag = Object.keys(item).find((k) => k !== ':@')!;
    if (tag === '#text') node.text += String(item[tag]);
    else node.children.push(toNode(tag, item));
  }
  return node;
}

export function parseXml(text: string, file = '<xml>'): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line } = valid.err;
    // An unclosed element is found where the text ends; the validator names the line it opened on.
    if (/^Unclosed tag/.test(msg)) throw new Error(`${file}:${text.split('\n').length}: ${msg.replace(/\.$/, '')} (opened on line ${line})`);
    throw new Error(`${file}:${line}: ${msg}`);
  }
  const top = (PARSER.parse(text) as Ordered[]).map((e) => [Object.keys(e).find((k) => k !== ':@')!, e] as const).filter(([tag]) => tag !== '#text');
  if (top.length !== 1) throw new Error(`${file}:1: expected one root element, found ${top.length}`);
  return toNode(top[0][0], top[0][1]);
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
