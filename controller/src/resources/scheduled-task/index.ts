// `scheduledTask`: a Windows Task Scheduler task (vLLM at start-up, a nightly job).
import type { Provider, ResourceType } from '../types.js';
import type { ScheduledTaskSpec } from './schema.js';
import { lazyProviders } from '../shared/lazy-provider.js';
import { lineBreakProblems } from '../shared/line-breaks.js';

export const scheduledTask: ResourceType<ScheduledTaskSpec> = {
  name: 'scheduledTask',
  description: 'a Windows Task Scheduler task: command, triggers, account, limits; compared with the registered task',
  os: ['windows'],
  check: (spec) => lineBreakProblems(spec),
  ...lazyProviders(async () => {
    const { scheduledTaskProvider } = await import('./provider.js');
    return () => scheduledTaskProvider as Provider<ScheduledTaskSpec>;
  }),
};
