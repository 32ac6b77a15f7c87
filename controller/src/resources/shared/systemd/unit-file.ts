// Unit file text: quoting arguments for Exec lines, rendering sections, and
// adding lines to a section of a unit someone else wrote.

/** One section of a unit file: its name and its `Key=value` lines in order. */
export type UnitSection = [name: string, entries: [key: string, value: string][]];

/** Quote one argument of an Exec line so systemd reads it back unchanged (specifiers and $ escaped). */
export function quoteArg(arg: string): string {
  const plain = /^[A-Za-z0-9_@+=:,./-]+$/.test(arg);
  const quoted = plain ? arg : `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
  return quoted.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** Quote a value written after `Key=` where systemd expands specifiers (%) but not words. */
export function escapeSpecifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

/** The text of a unit file from its sections, with a header comment. */
export function renderUnit(header: string, sections: UnitSection[]): string {
  const lines = header.split('\n').map((l) => `# ${l}`.trimEnd());
  for (const [name, entries] of sections) {
    if (entries.length === 0) continue;
    lines.push('', `[${name}]`);
    for (const [key, value] of entries) lines.push(`${key}=${value}`);
  }
  return lines.join('\n') + '\n';
}

/** True when the unit text has a `[name]` section. */
export function hasSection(text: string, name: string): boolean {
  return text.split('\n').some((line) => line.trim() === `[${name}]`);
}

/** The unit text with `lines` added at the end of its `[name]` section (a new section first when it has none). */
export function addToSection(text: string, name: string, lines: string[]): string {
  if (lines.length === 0) return text;
  const all = text.split('\n');
  const start = all.findIndex((line) => line.trim() === `[${name}]`);
  if (start < 0) return [`[${name}]`, ...lines, '', text].join('\n');
  let end = start + 1;
  while (end < all.length && !/^\s*\[.+\]\s*$/.test(all[end]!)) end++;
  // before the blank lines and comments that close the section
  let at = end;
  while (at > start + 1 && /^\s*([#;].*)?$/.test(all[at - 1]!)) at--;
  all.splice(at, 0, ...lines);
  return all.join('\n');
}
