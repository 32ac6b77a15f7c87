// The nftables text of converge's table: one section per firewall rule,
// replaced as a whole in one `nft -f` transaction (`table` then `delete
// table` then the new table: the first line makes the delete safe when the
// table is missing). Only `table inet converge` is ever named, so other
// tables (the distribution's, Docker's, Tailscale's) are never touched.
import type { FirewallSpec } from './schema.js';
import { portsOf, sourcesByFamily } from './ports.js';

export const NFT_TABLE = 'converge';

/** The comment that marks the rules of one firewall resource. */
export function ruleComment(name: string): string {
  return `converge:${name}`;
}

/** The rule lines of one resource, inside the input chain. */
export function sectionOf(spec: Pick<FirewallSpec, 'firewall' | 'port' | 'protocol' | 'from'>): string {
  const ports = portsOf(spec);
  const dport = `${spec.protocol} dport ${ports.length === 1 ? ports[0] : `{ ${ports.join(', ')} }`}`;
  const comment = `comment "${ruleComment(spec.firewall)}"`;
  const { v4, v6 } = sourcesByFamily(spec);
  const set = (xs: string[]) => (xs.length === 1 ? xs[0] : `{ ${xs.join(', ')} }`);
  const lines: string[] = [];
  if (v4.length) lines.push(`${dport} ip saddr ${set(v4)} accept ${comment}`);
  if (v6.length) lines.push(`${dport} ip6 saddr ${set(v6)} accept ${comment}`);
  lines.push(`${dport} ${spec.protocol === 'tcp' ? 'reject with tcp reset' : 'reject'} ${comment}`);
  return lines.map((l) => `    ${l}\n`).join('');
}

/** The whole transaction that replaces converge's table with these sections (by rule name, sorted). */
export function tableScript(sections: Record<string, string>): string {
  const names = Object.keys(sections).sort();
  return [
    '#!/usr/sbin/nft -f',
    '# managed by converge: its own table only; other tables are not touched',
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    ...names.map((n) => `    # ${n}\n${sections[n]!.trimEnd()}`),
    '  }',
    '}',
    '',
  ].join('\n');
}
