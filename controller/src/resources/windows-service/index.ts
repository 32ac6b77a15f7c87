// `windowsService`: start mode and running state of an existing Windows service.
import type { Provider, ResourceType } from '../types.js';
import type { WindowsServiceSpec } from './schema.js';
import { windowsServiceProvider } from './provider.js';

export const windowsService: ResourceType<WindowsServiceSpec> = {
  name: 'windowsService',
  description: 'an existing Windows service: start mode (automatic, delayed, manual, disabled) and running; restarted on notify',
  os: ['windows'],
  provider: () => windowsServiceProvider as Provider<WindowsServiceSpec>,
};
