// Every resource type, one line each. A test checks this list and the folders agree.
import type { ResourceType } from './types.js';
import { file } from './file/index.js';
import { directory } from './directory/index.js';
import { symlink } from './symlink/index.js';
import { statusFile } from './status-file/index.js';
import { envFile } from './env-file/index.js';
import { unit } from './unit/index.js';
import { service } from './service/index.js';
import { container } from './container/index.js';
import { mount } from './mount/index.js';
import { pkg } from './package/index.js';
import { command } from './command/index.js';
import { scheduledTask } from './scheduled-task/index.js';
import { windowsService } from './windows-service/index.js';
import { mappedDrive } from './mapped-drive/index.js';
import { launchd } from './launchd/index.js';
import { user } from './user/index.js';
import { group } from './group/index.js';
import { firewall } from './firewall/index.js';

export const resourceTypes: readonly ResourceType[] = [
  file as ResourceType,
  directory as ResourceType,
  symlink as ResourceType,
  statusFile as ResourceType,
  envFile as ResourceType,
  unit as ResourceType,
  service as ResourceType,
  container as ResourceType,
  mount as ResourceType,
  pkg as ResourceType,
  command as ResourceType,
  scheduledTask as ResourceType,
  windowsService as ResourceType,
  mappedDrive as ResourceType,
  launchd as ResourceType,
  user as ResourceType,
  group as ResourceType,
  firewall as ResourceType,
];

const byName = new Map(resourceTypes.map((t) => [t.name, t]));

/** The type named by a manifest key, if it exists. */
export function resourceType(name: string): ResourceType | undefined {
  return byName.get(name);
}
