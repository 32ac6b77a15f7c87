// `scheduledTask`: a Windows Task Scheduler task (vLLM at start-up, a nightly job).
import type { Provider, ResourceType } from '../types.js';
import { ScheduledTaskSpec } from './schema.js';
import { scheduledTaskProvider } from './provider.js';

export const scheduledTask: ResourceType<ScheduledTaskSpec> = {
  name: 'scheduledTask',
  description: 'a Windows Task Scheduler task: command, triggers, account, limits; compared with the registered task',
  schema: ScheduledTaskSpec,
  os: ['windows'],
  provider: () => scheduledTaskProvider as Provider<ScheduledTaskSpec>,
};
