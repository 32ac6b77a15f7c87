// PowerShell text for people: how an invocation would look typed at a prompt
// (plans under --root show it). Scripts themselves never contain values; this
// is display only.

/** A single-quoted PowerShell string literal: the only escape is '' for '. */
export function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `Name -Param 'value' -Flag:$true`, values quoted; long values shortened. */
export function psDisplay(name: string, params: Record<string, unknown>): string {
  const parts = [name];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(`-${key}`, displayValue(value));
  }
  return parts.join(' ');
}

function displayValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? '$true' : '$false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (value.includes('\n') || value.length > 120) return `<${value.length} characters, shown above>`;
    return psQuote(value);
  }
  if (Array.isArray(value)) return `@(${value.map(displayValue).join(', ')})`;
  if (value === null) return '$null';
  return `@{ ${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} = ${displayValue(v)}`).join('; ')} }`;
}
