// `package`: a package installed (or removed) by the host's package manager.
import type { ResourceType } from '../types.js';
import { PackageSpec } from './schema.js';
import { checkPackage } from './check.js';
import { linuxPackageProvider } from './linux-provider.js';

export const pkg: ResourceType<PackageSpec> = {
  name: 'package',
  description: 'a package: apt on Debian/Ubuntu, dnf where present; installed in one batch per run; ensure absent removes',
  schema: PackageSpec,
  os: ['linux'],
  check: checkPackage,
  provider: () => linuxPackageProvider,
};
