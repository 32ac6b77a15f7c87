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

/** Diagnostics sorted by file, line, column, without exact duplicates. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...list]
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
    .filter((d) => {
      const key = formatDiagnostic(d);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
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
