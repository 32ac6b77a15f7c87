// macOS: converge's rules in the pf anchor `com.apple/converge`, which the
// stock /etc/pf.conf already evaluates (`anchor "com.apple/*"`), so pf.conf is
// never edited. Loaded with `pfctl -a ANCHOR -f FILE` (the anchor is replaced
// as a whole); listed with `pfctl -a ANCHOR -sr`. pf is enabled with
// `pfctl -e` (macOS leaves it off); "already enabled" is fine.
import type { RuleBackend } from './owned-rules.js';
import type { FirewallSpec } from './schema.js';
import { portsOf, sourcesByFamily } from './ports.js';
import { ConvergeError } from '../../platform/errors.js';

export const PF_ANCHOR = 'com.apple/converge';
const PFCTL = '/sbin/pfctl';

/** pf rules of one resource: the sources in quick, everyone else refused (block return). */
export function pfSection(spec: FirewallSpec): string {
  const ports = portsOf(spec);
  const port = ports.length === 1 ? String(ports[0]) : `{ ${ports.join(', ')} }`;
  const { v4, v6 } = sourcesByFamily(spec);
  const lines = [`# converge:${spec.firewall}`];
  for (const [family, list] of [['inet', v4], ['inet6', v6]] as const) {
    if (list.length) lines.push(`pass in quick ${family} proto ${spec.protocol} from { ${list.join(', ')} } to any port ${port} label "converge:${spec.firewall}"`);
  }
  lines.push(`block return in quick proto ${spec.protocol} from any to any port ${port} label "converge:${spec.firewall}"`);
  return lines.join('\n') + '\n';
}

export const pfBackend: RuleBackend = {
  name: 'pf',
  what: 'pf',
  section: pfSection,
  script: (sections) => ['# managed by converge: anchor ' + PF_ANCHOR, ...Object.keys(sections).sort().map((n) => sections[n]!.trimEnd()), ''].join('\n'),
  async load(ctx, file) {
    const r = await ctx.runner.run(PFCTL, ['-a', PF_ANCHOR, '-f', file]);
    if (r.exitCode !== 0) throw new ConvergeError('io', `pfctl -a ${PF_ANCHOR} -f refused converge's rules (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    const e = await ctx.runner.run(PFCTL, ['-e']);
    if (e.exitCode !== 0 && !/already enabled/.test(e.stderr)) throw new ConvergeError('io', `pfctl -e failed (exit ${e.exitCode}): ${e.stderr.trim()}`);
  },
  async list(ctx) {
    const r = await ctx.runner.run(PFCTL, ['-a', PF_ANCHOR, '-sr']);
    if (r.exitCode !== 0) throw new ConvergeError('io', `pfctl -a ${PF_ANCHOR} -sr failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    const out: Record<string, string[]> = {};
    for (const line of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const name = /label "converge:([a-z0-9-]+)"/.exec(line)?.[1] ?? '';
      (out[name] ??= []).push(line);
    }
    return out;
  },
};
