// Text put into the SVG overlays that sharp (librsvg) renders: class names
// come from user files (.names, YAML, COCO JSON), so besides the markup
// characters, characters XML 1.0 forbids (control characters, U+FFFE/FFFF,
// lone surrogates) are dropped; librsvg rejects the whole SVG otherwise.
// Imports nothing of the project: src/util sits below every other layer.

const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** `s` as XML character data or an attribute value. */
export function escapeXml(s: string): string {
  return s.replace(FORBIDDEN, '').replace(/[<>&"']/g, (ch) => ENTITIES[ch]);
}
