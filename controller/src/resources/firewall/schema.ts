import { z } from '../../platform/zod.js';
import { isIP } from 'node:net';
import { commonFields, Ensure } from '../shared/fields.js';

const PortNumber = z.number({ error: 'a port is a number, 1-65535' }).int().min(1).max(65535);
// a templated port ("{{ vars.vllm_port }}") arrives as a string of digits
const Port = z.union([PortNumber, z.string().regex(/^\d{1,5}$/, { error: 'a port is a number, 1-65535' }).transform(Number).pipe(PortNumber)]);

/** An address or a network (CIDR), IPv4 or IPv6. */
export const Source = z.string({ error: 'a source is an address or a network like 100.64.0.0/10' }).refine((s) => {
  const [addr, len, ...rest] = s.split('/');
  if (rest.length || !addr) return false;
  const family = isIP(addr);
  if (!family) return false;
  return len === undefined || (/^\d+$/.test(len) && Number(len) <= (family === 4 ? 32 : 128));
}, { error: 'must be an IPv4/IPv6 address or network, like 100.64.0.0/10, 127.0.0.1 or ::1' });

/**
 * Who may reach a local port: connections from `from` are let in, every other
 * one is refused. The rules live in a table (nftables), anchor (pf) or rule
 * group (Windows) converge owns, so rules it did not write are never touched.
 */
export const FirewallSpec = z.strictObject({
  firewall: z.string({ error: 'must be a rule name, like netdata-dashboard' }).regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'a rule name is lowercase letters, digits and -' }).describe('the rule name'),
  ensure: Ensure,
  port: z.union([Port, z.array(Port).min(1)]).describe('the local port, or ports'),
  protocol: z.enum(['tcp', 'udp'], { error: 'protocol must be tcp or udp' }).default('tcp'),
  from: z.array(Source).min(1, { error: 'from needs at least one source' }).describe('addresses and networks let in (100.64.0.0/10 is the tailnet); all others are refused'),
  ...commonFields,
});
export type FirewallSpec = z.infer<typeof FirewallSpec>;

/** The spec at run time. */
export type FirewallDesired = FirewallSpec & { sandboxed?: boolean };
