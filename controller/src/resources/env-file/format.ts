// The text of an env file: a header, then VAR=value lines, values written as
// they are (no quoting), which podman/docker --env-file, CIFS credentials
// files and systemd's EnvironmentFile all read. A value that spans lines
// cannot be written this way and is refused.
import { ConvergeError } from '../../platform/errors.js';

/** The file for `name` with these values, in the map's variable order. */
export function renderEnvFile(name: string, values: Record<string, string>): string {
  const lines = [`# Managed by converge from secrets-map.yml (env file '${name}'); edits are overwritten.`];
  for (const [key, value] of Object.entries(values)) lines.push(`${key}=${value}`);
  return lines.join('\n') + '\n';
}

/** Refuse values an env file cannot hold, naming the variable and the secret (never the value). */
export function checkValue(variable: string, secret: string, value: string): void {
  if (/[\r\n\0]/.test(value)) {
    throw new ConvergeError('invalid-input', `secret '${secret}' (variable ${variable}) holds a line break or NUL, which an env file cannot carry`);
  }
}

/** The variables of an env file as written (comments and blank lines skipped); `other` counts lines that are not VAR=value. */
export function parseEnvFile(text: string): { entries: Map<string, string>; other: number } {
  const entries = new Map<string, string>();
  let other = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      other++;
      continue;
    }
    entries.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return { entries, other };
}
