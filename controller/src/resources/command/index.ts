// `command`: a script run when its guards say so, or when notified.
import type { ResourceType } from '../types.js';
import { CommandSpec } from './schema.js';
import { commandProvider } from './provider.js';
import { OSES } from '../../platform/os.js';

export const command: ResourceType<CommandSpec> = {
  name: 'command',
  description: 'a command with creates / unless / onlyIf guards, or refreshOnly (runs when notified); output in the report on failure',
  schema: CommandSpec,
  os: OSES,
  check(spec, host) {
    for (const key of ['creates', 'cwd'] as const) {
      const p = spec[key];
      if (p !== undefined && !(host.os === 'windows' ? /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('~') : p.startsWith('/') || p.startsWith('~'))) {
        return [{ path: [key], message: `${key} must be an absolute path` }];
      }
    }
    return [];
  },
  provider: () => commandProvider,
};
