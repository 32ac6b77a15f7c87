// `mappedDrive`: X:, S:, T: in a user's session, mapped by a logon task running converge's user helper.
import type { Provider, ResourceType } from '../types.js';
import type { MappedDriveSpec } from './schema.js';
import { lazyProviders } from '../shared/lazy-provider.js';
import { lineBreakProblems } from '../shared/line-breaks.js';

export const mappedDrive: ResourceType<MappedDriveSpec> = {
  name: 'mappedDrive',
  description: "a network drive letter in a user's logon session (net use /persistent:yes by converge's logon task)",
  os: ['windows'],
  check: (spec) => lineBreakProblems(spec),
  ...lazyProviders(async () => {
    const { mappedDriveProvider } = await import('./provider.js');
    return () => mappedDriveProvider as unknown as Provider<MappedDriveSpec>;
  }),
};
