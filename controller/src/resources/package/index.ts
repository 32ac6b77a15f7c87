// `package`: a package installed (or removed) by the host's package manager.
import type { Provider, ResourceType } from '../types.js';
import type { PackageSpec } from './schema.js';
import { checkPackage } from './check.js';
import { linuxPackageProvider } from './linux-provider.js';
import { windowsPackageProvider } from './windows-provider.js';

export const pkg: ResourceType<PackageSpec> = {
  name: 'package',
  description: 'a package: apt on Debian/Ubuntu, dnf where present (one batch per run); on Windows a pinned MSI/EXE found through the Uninstall keys; ensure absent removes',
  os: ['linux', 'windows'],
  check: checkPackage,
  provider: (os) => (os === 'windows' ? (windowsPackageProvider as unknown as Provider<PackageSpec>) : linuxPackageProvider),
};
