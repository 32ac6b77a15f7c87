// Windows Defender Firewall: one inbound allow rule per resource in the rule
// group "converge", limited to the resource's sources. Inbound is blocked by
// default on Windows, so others are refused unless another program's own
// rule lets them in (converge never touches rules outside its group).
import type { Provider } from '../types.js';
import type { FirewallDesired } from './schema.js';
import { portsOf } from './ports.js';
import { summary } from './owned-rules.js';
import { GET_FIREWALL_RULES, REMOVE_FIREWALL_RULE, SET_FIREWALL_RULE } from './powershell.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { psDisplay } from '../../platform/powershell/quote.js';
import { underRoot } from '../shared/os-skip.js';

interface WinRule {
  enabled: string;
  direction: string;
  action: string;
  protocol: string;
  localPort: string[] | string;
  remoteAddress: string[] | string;
}

/** The rules of the resource's display name, as Windows lists them. */
export interface WindowsFirewallObserved {
  rules: WinRule[];
}

const list = (x: string[] | string | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Windows lists 100.64.0.0/10 as 100.64.0.0/255.192.0.0: back to a prefix length. */
export function normalizeAddress(address: string): string {
  const m = /^([\d.]+)\/(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (!m) return address.toLowerCase();
  const bits = m[2]!.split('.').map(Number).reduce((n, octet) => n + octet.toString(2).replace(/0/g, '').length, 0);
  return `${m[1]}/${bits}`;
}

const canonical = (xs: string[]) => xs.map(normalizeAddress).map((a) => a.replace(/\/(32|128)$/, '')).sort().join(',');

export const windowsFirewallProvider: Provider<FirewallDesired, WindowsFirewallObserved> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    const raw = await (await powershell(ctx)).one<{ rules?: WinRule[] | WinRule }>(GET_FIREWALL_RULES, { Name: spec.firewall });
    const rules = raw?.rules === undefined ? [] : Array.isArray(raw.rules) ? raw.rules : [raw.rules];
    return rules.length ? { rules } : null;
  },

  diff(spec, observed) {
    const to = summary(spec);
    if (spec.sandboxed) return [{ property: 'rules', from: null, to, skipped: underRoot('Windows Defender Firewall', psDisplay('New-NetFirewallRule', { DisplayName: `converge: ${spec.firewall}`, Group: 'converge', LocalPort: portsOf(spec).map(String), RemoteAddress: spec.from })) }];
    if (!observed) return [{ property: 'rules', from: null, to }];
    const [rule, ...extra] = observed.rules;
    const same =
      rule !== undefined &&
      extra.length === 0 &&
      rule.enabled.toLowerCase() === 'true' &&
      rule.direction.toLowerCase() === 'inbound' &&
      rule.action.toLowerCase() === 'allow' &&
      rule.protocol.toLowerCase() === spec.protocol &&
      list(rule.localPort).sort().join(',') === portsOf(spec).map(String).sort().join(',') &&
      canonical(list(rule.remoteAddress)) === canonical(spec.from);
    if (same) return [];
    return [{ property: 'rules', from: rule ? `${rule.action} ${rule.protocol}/${list(rule.localPort).join(',')} from ${list(rule.remoteAddress).join(', ')}${rule.enabled.toLowerCase() === 'true' ? '' : ' (disabled)'}${extra.length ? ` and ${extra.length} more` : ''}` : null, to }];
  },

  async apply(spec, _changes, ctx) {
    await (await powershell(ctx)).invoke(SET_FIREWALL_RULE, { Name: spec.firewall, Protocol: spec.protocol.toUpperCase(), Ports: portsOf(spec).map(String), Remote: spec.from });
  },

  async remove(spec, ctx) {
    if (ctx.sandboxed) return;
    await (await powershell(ctx)).invoke(REMOVE_FIREWALL_RULE, { Name: spec.firewall });
  },
};
