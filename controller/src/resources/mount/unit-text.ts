// The .mount (and .automount) units for a mount: what an fstab line would
// become through systemd-fstab-generator, written as units so converge owns
// them. Pure.
import { escapeSpecifiers, renderUnit } from '../shared/systemd/unit-file.js';
import type { UnitSection } from '../shared/systemd/unit-file.js';
import { mountUnitName } from '../shared/systemd/names.js';
import type { MountDesired } from './schema.js';

const NETWORK = new Set(['cifs', 'smb3', 'nfs', 'nfs4', 'ceph', 'glusterfs', 'sshfs', 'fuse.sshfs', 'davfs']);

/** A network filesystem: mounted after the network, wanted by remote-fs.target. */
export function isNetworkFs(fstype: string): boolean {
  return NETWORK.has(fstype);
}

/** The mount options, credentials first. */
export function mountOptions(spec: MountDesired): string[] {
  const opts = [...(spec.options ?? [])];
  if (spec.credentialsPath) opts.unshift(`credentials=${spec.credentialsPath}`);
  if (spec.fstype === 'none' && !opts.includes('bind') && !opts.includes('rbind')) opts.push('bind');
  if (isNetworkFs(spec.fstype) && !opts.includes('_netdev')) opts.push('_netdev');
  return opts;
}

/** The unit files for a mount: name → text (the .automount only with automount). */
export function mountUnits(spec: MountDesired): Map<string, string> {
  const net = isNetworkFs(spec.fstype);
  const target = net ? 'remote-fs.target' : 'local-fs.target';
  const units = new Map<string, string>();
  const mountName = mountUnitName(spec.mount);
  const unitSection: [string, string][] = [['Description', escapeSpecifiers(`${spec.mount} (${spec.device})`)]];
  if (net) unitSection.push(['Wants', 'network-online.target'], ['After', 'network-online.target']);
  const opts = mountOptions(spec);
  const mountSection: [string, string][] = [
    ['What', escapeSpecifiers(spec.device)],
    ['Where', escapeSpecifiers(spec.mount)],
    ['Type', spec.fstype],
  ];
  if (opts.length) mountSection.push(['Options', escapeSpecifiers(opts.join(','))]);
  if (spec.timeout) mountSection.push(['TimeoutSec', spec.timeout]);
  const mountSections: UnitSection[] = [['Unit', unitSection], ['Mount', mountSection]];
  if (!spec.automount) mountSections.push(['Install', [['WantedBy', target]]]);
  units.set(mountName, renderUnit(`${mountName}: managed by converge (mount ${spec.mount})`, mountSections));
  if (spec.automount) {
    const autoName = mountUnitName(spec.mount, 'automount');
    const autoSection: [string, string][] = [['Where', escapeSpecifiers(spec.mount)]];
    if (spec.idleTimeout) autoSection.push(['TimeoutIdleSec', spec.idleTimeout]);
    units.set(autoName, renderUnit(`${autoName}: managed by converge (mount ${spec.mount})`, [
      ['Unit', [['Description', escapeSpecifiers(`automount ${spec.mount}`)]]],
      ['Automount', autoSection],
      ['Install', [['WantedBy', target]]],
    ]));
  }
  return units;
}

/** The unit that is enabled and started: the .automount when there is one, else the .mount. */
export function activeUnitName(spec: MountDesired): string {
  return mountUnitName(spec.mount, spec.automount ? 'automount' : 'mount');
}
