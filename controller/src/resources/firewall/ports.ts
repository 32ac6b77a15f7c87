// A firewall spec's ports and sources as the providers use them (no zod).
import { isIP } from 'node:net';
import type { FirewallSpec } from './schema.js';

/** The ports of a spec as a list. */
export function portsOf(spec: Pick<FirewallSpec, 'port'>): number[] {
  return Array.isArray(spec.port) ? spec.port : [spec.port];
}

/** The sources of a spec split by IP version. */
export function sourcesByFamily(spec: Pick<FirewallSpec, 'from'>): { v4: string[]; v6: string[] } {
  const v4 = spec.from.filter((s) => isIP(s.split('/')[0]!) === 4);
  const v6 = spec.from.filter((s) => isIP(s.split('/')[0]!) === 6);
  return { v4, v6 };
}
