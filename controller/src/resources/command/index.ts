// `command`: a script run when its guards say so, or when notified.
import type { ResourceType } from '../types.js';
import type { CommandSpec } from './schema.js';
import { commandProvider } from './provider.js';
import { OSES } from '../../platform/os.js';
import { pathFieldProblems } from '../shared/path-fields.js';

export const command: ResourceType<CommandSpec> = {
  name: 'command',
  description: 'a command with creates / unless / onlyIf guards, or refreshOnly (runs when notified); output in the report on failure',
  os: OSES,
  check: (spec, host) => pathFieldProblems(host, [[['creates'], spec.creates], [['cwd'], spec.cwd]]),
  provider: () => commandProvider,
};
