// Darknet's INI-like .cfg text split into sections of key=value options, as
// darknet's read_cfg does: every blank (even inside a value) is removed,
// lines starting with '#' or ';' are comments, a section may repeat. We also
// drop trailing '# ...' comments, which darknet's atoi/atof happen to ignore.
import { CfgError, type SourceLoc } from './errors.js';

export interface CfgOption extends SourceLoc {
  value: string;
  /** Set once a layer parser has read it; what stays unread is "unused". */
  used: boolean;
}

export interface CfgSection extends SourceLoc {
  /** Lower-case name between the brackets. */
  name: string;
  options: Map<string, CfgOption>;
  /** Repeated keys after the first: darknet reads only the first. */
  duplicates: CfgOption[];
  duplicateKeys: string[];
}

export function splitSections(text: string, file: string): CfgSection[] {
  const sections: CfgSection[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const loc = { file, line: i + 1 };
    let s = lines[i].replace(/\s+/g, '');
    if (s === '' || s[0] === '#' || s[0] === ';') continue;
    s = s.replace(/[#;].*$/, '');
    if (s[0] === '[') {
      if (!s.endsWith(']') || s.length < 3) throw new CfgError(loc, `malformed section header '${lines[i].trim()}'`);
      sections.push({ ...loc, name: s.slice(1, -1).toLowerCase(), options: new Map(), duplicates: [], duplicateKeys: [] });
      continue;
    }
    const eq = s.indexOf('=');
    if (eq <= 0) throw new CfgError(loc, `expected key=value, found '${lines[i].trim()}'`);
    const current = sections[sections.length - 1];
    if (!current) throw new CfgError(loc, `option '${s}' before the first [section]`);
    const key = s.slice(0, eq);
    const option: CfgOption = { ...loc, value: s.slice(eq + 1), used: false };
    if (current.options.has(key)) {
      current.duplicates.push(option);
      current.duplicateKeys.push(key);
    } else {
      current.options.set(key, option);
    }
  }
  return sections;
}
