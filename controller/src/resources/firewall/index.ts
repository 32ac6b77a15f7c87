// `firewall`: who may reach a local port, in rules converge owns (an nftables
// table, a pf anchor, a Windows Firewall rule group), never fighting others.
import type { Provider, ResourceType } from '../types.js';
import type { FirewallDesired } from './schema.js';
import { ownedRulesProvider } from './owned-rules.js';
import { nftablesBackend } from './nftables.js';
import { pfBackend } from './pf.js';
import { windowsFirewallProvider } from './windows-provider.js';

const nftables = ownedRulesProvider(nftablesBackend);
const pf = ownedRulesProvider(pfBackend);

export const firewall: ResourceType<FirewallDesired> = {
  name: 'firewall',
  description: "who may reach a local port (from: addresses and networks; everyone else refused), in rules converge owns: nftables table inet converge, pf anchor com.apple/converge, Windows Firewall group converge",
  os: ['linux', 'macos', 'windows'],
  provider: (os) => (os === 'windows' ? windowsFirewallProvider : os === 'macos' ? pf : nftables) as Provider<FirewallDesired>,
};
