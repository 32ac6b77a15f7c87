// Secret values known to this process, and the one function that removes them
// from any text before it is logged, reported, committed or printed.

/** Replaces every known secret value in a text with a marker. */
export class Scrubber {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** Remember a secret value; values shorter than 4 characters are too common to scrub safely, and are still never printed by converge itself. */
  add(value: string): void {
    if (value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    this.pattern = null;
  }

  get size(): number {
    return this.values.size;
  }

  /** The text with every known secret value replaced by `(secret)`. */
  scrub(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
      'g',
    );
    return text.replace(this.pattern, '(secret)');
  }

  /** A deep copy of a JSON value with secrets scrubbed from every string. */
  scrubValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return JSON.parse(this.scrub(JSON.stringify(value))) as T;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
