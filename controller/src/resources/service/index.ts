// `service`: an existing service's enabled / running / masked state, and the
// target of notify. systemd on Linux; other systems add their provider here.
import type { ResourceType } from '../types.js';
import { ServiceSpec } from './schema.js';
import { systemdServiceProvider } from './provider.js';
import { isUnitName, serviceUnitName } from '../shared/systemd/names.js';

export const service: ResourceType<ServiceSpec> = {
  name: 'service',
  description: 'an existing service: enabled, running, masked; restarted or reloaded by notify',
  schema: ServiceSpec,
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
  autoRequires(spec) {
    // a service converge writes itself, as a unit, comes first
    return [`unit:${serviceUnitName(spec.service)}`];
  },
  provider: () => systemdServiceProvider,
};
