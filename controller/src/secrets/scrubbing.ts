// Every value a backend returns is known to the scrubber before anyone else
// sees it, in each form it may take in output: as is, JSON-escaped, and line
// by line for values that span lines (keys, certificates).
import type { Scrubber } from '../platform/scrubber.js';
import type { SecretSource } from './source.js';

/** `source`, with each value added to `scrubber` the moment it is read. */
export function scrubbing(source: SecretSource, scrubber: Scrubber): SecretSource {
  return {
    description: source.description,
    async get(name) {
      const value = await source.get(name);
      rememberSecret(scrubber, value);
      return value;
    },
  };
}

/** Teach the scrubber a secret value (and the forms it takes in JSON and in pieces). */
export function rememberSecret(scrubber: Scrubber, value: string): void {
  scrubber.add(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) scrubber.add(escaped);
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) scrubber.add(line);
  }
}
