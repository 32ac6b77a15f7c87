// The zod schema of every resource type, by the type's name. Apart from the
// types (registry.ts) so that a run whose load cache hits never loads zod:
// only loading manifests (and schema, validate) imports this module.
import type { z } from 'zod';
import { CommandSpec } from './command/schema.js';
import { ContainerSpec } from './container/schema.js';
import { DirectorySpec } from './directory/schema.js';
import { EnvFileSpec } from './env-file/schema.js';
import { FileSpec } from './file/schema.js';
import { FirewallSpec } from './firewall/schema.js';
import { GroupSpec } from './group/schema.js';
import { LaunchdSpec } from './launchd/schema.js';
import { MappedDriveSpec } from './mapped-drive/schema.js';
import { MountSpec } from './mount/schema.js';
import { PackageSpec } from './package/schema.js';
import { ScheduledTaskSpec } from './scheduled-task/schema.js';
import { ServiceSpec } from './service/schema.js';
import { StatusFileSpec } from './status-file/schema.js';
import { SymlinkSpec } from './symlink/schema.js';
import { UnitSpec } from './unit/schema.js';
import { UserSpec } from './user/schema.js';
import { WindowsServiceSpec } from './windows-service/schema.js';

const schemas: Readonly<Record<string, z.ZodType>> = {
  command: CommandSpec,
  container: ContainerSpec,
  directory: DirectorySpec,
  envFile: EnvFileSpec as z.ZodType,
  file: FileSpec,
  firewall: FirewallSpec,
  group: GroupSpec,
  launchd: LaunchdSpec,
  mappedDrive: MappedDriveSpec,
  mount: MountSpec,
  package: PackageSpec,
  scheduledTask: ScheduledTaskSpec,
  service: ServiceSpec,
  statusFile: StatusFileSpec,
  symlink: SymlinkSpec,
  unit: UnitSpec,
  user: UserSpec,
  windowsService: WindowsServiceSpec,
};

/** The strict schema of a whole resource mapping of the type `name` (type key included). */
export function resourceSchema(name: string): z.ZodType {
  const schema = schemas[name];
  if (!schema) throw new Error(`no schema for the resource type ${name}`);
  return schema;
}
