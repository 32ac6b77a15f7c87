// A diagnostic is one problem in the user's input, with where it starts.

export interface SourceLocation {
  /** Path relative to the fleet repository, with forward slashes. */
  file: string;
  line: number;   // 1-based
  column: number; // 1-based
}

export interface Diagnostic extends SourceLocation {
  message: string;
}

/** `file:line:column: message`, the form editors and CI annotate. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/** `file:line:column` alone. */
export function formatLocation(l: SourceLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

/**
 * Diagnostics sorted by file, line, column, without duplicates. A template
 * error that several resources (or hosts) hit at the same place is one
 * diagnostic naming each of them.
 */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const merged = new Map<string, { d: Diagnostic; uses: string[] }>();
  for (const d of list) {
    const m = /^(.*) \(rendering (.+)\)$/s.exec(d.message);
    const base = m ? m[1]! : d.message;
    const key = `${d.file}:${d.line}:${d.column}:${base}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { d: { ...d, message: base }, uses: m ? [m[2]!] : [] });
    else if (m && !seen.uses.includes(m[2]!)) seen.uses.push(m[2]!);
  }
  return [...merged.values()]
    .map(({ d, uses }) => (uses.length ? { ...d, message: `${d.message} (rendering ${uses.join('; ')})` } : d))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** Thrown when input does not validate; carries every diagnostic found. */
export class ManifestError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const sorted = sortDiagnostics(diagnostics);
    super(sorted.map(formatDiagnostic).join('\n'));
    this.name = 'ManifestError';
    this.diagnostics = sorted;
  }
}
