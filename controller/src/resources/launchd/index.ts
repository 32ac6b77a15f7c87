// `launchd`: a macOS LaunchDaemon or per-user LaunchAgent.
import type { Provider, ResourceType } from '../types.js';
import type { LaunchdSpec } from './schema.js';
import { lazyProviders } from '../shared/lazy-provider.js';
import { lineBreakProblems } from '../shared/line-breaks.js';

export const launchd: ResourceType<LaunchdSpec> = {
  name: 'launchd',
  description: 'a macOS launchd job (daemon or per-user agent): plist compared as an object, bootout + bootstrap on change',
  os: ['macos'],
  check: (spec) => lineBreakProblems(spec),
  ...lazyProviders(async () => {
    const { launchdProvider } = await import('./provider.js');
    return () => launchdProvider as unknown as Provider<LaunchdSpec>;
  }),
};
