// `service`: an existing service's enabled / running / masked state, and the
// target of notify. systemd on Linux; other systems add their provider here.
import type { ResourceType } from '../types.js';
import type { ServiceDesired } from './schema.js';
import { systemdServiceProvider } from './provider.js';
import { isUnitName, serviceUnitName } from '../shared/systemd/names.js';
import { dropInPath } from './provider.js';

export const service: ResourceType<ServiceDesired> = {
  name: 'service',
  description: 'an existing service: enabled, running, masked; restarted or reloaded by notify',
  os: ['linux'],
  check(spec, host) {
    if (host.os === 'linux' && !isUnitName(serviceUnitName(spec.service))) {
      return [{ path: ['service'], message: `'${spec.service}' is not a systemd unit name` }];
    }
    if (host.os !== 'linux' && spec.masked !== undefined) {
      return [{ path: ['masked'], message: `masked is a systemd setting; ${host.name} is a ${host.os} host` }];
    }
    return [];
  },
  prepare(spec) {
    // requires: [mount:/space] makes systemd wait for it too, through a drop-in
    const mounts = (spec.requires ?? []).filter((id) => id.startsWith('mount:')).map((id) => id.slice('mount:'.length));
    if (mounts.length === 0) return spec;
    return { ...spec, mountsDropIn: `# managed by converge: ${serviceUnitName(spec.service)} waits for its storage\n[Unit]\nRequiresMountsFor=${mounts.join(' ')}\n` };
  },
  watchPaths: (spec) => (spec.mountsDropIn ? [dropInPath(serviceUnitName(spec.service))] : []),
  autoRequires(spec) {
    // a service converge writes itself, as a unit, comes first
    return [`unit:${serviceUnitName(spec.service)}`];
  },
  provider: () => systemdServiceProvider,
};
