import { z } from '../../platform/zod.js';
import { commonFields, Ensure, HostPath } from '../shared/fields.js';

/**
 * A filesystem mounted at a path: SMB/CIFS, NFS, a bind mount or any type the
 * kernel knows. The fields mean the same on every OS; on Linux it becomes a
 * systemd .mount unit (and .automount with `automount: true`).
 */
export const MountSpec = z.strictObject({
  mount: HostPath.describe('where it is mounted (the mount point)'),
  ensure: Ensure,
  device: z.string().min(1).describe('what is mounted: //server/share (cifs), server:/export (nfs), a path (bind), a device'),
  fstype: z.string().regex(/^[a-z0-9._-]+$/, { error: 'fstype is a filesystem type like cifs, nfs4 or none' }).default('cifs').describe('cifs (default), nfs, nfs4, none for bind mounts, ext4…'),
  options: z.array(z.string().min(1).regex(/^[^,\s]+$/, { error: 'one option per list item, without commas or spaces' })).optional().describe('mount options, one per item (uid=1000, vers=3.0, ro, bind…)'),
  credentials: z.string().optional().describe('SMB credentials file (username=/password= lines): an env file name from secrets-map.yml, or an absolute path; it must be mode 0600'),
  mounted: z.boolean().default(true).describe('mounted now (with automount: the automount armed)'),
  enabled: z.boolean().default(true).describe('mounted at boot (with automount: armed at boot)'),
  automount: z.boolean().optional().describe('Linux: mount on first access (a systemd .automount unit)'),
  idleTimeout: z.string().regex(/^\d+(ms|s|min|h)?$/, { error: 'idleTimeout is a time like 600s or 10min' }).optional().describe('Linux, with automount: unmount after this long unused'),
  user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/, { error: 'user must be a macOS short user name' }).optional().describe("macOS: the user who mounts and reads it (default: the host's vars.user); a root daemon's mount is invisible to the user"),
  timeout: z.string().regex(/^\d+(ms|s|min|h)?$/, { error: 'timeout is a time like 30s' }).optional().describe('how long mounting may take (default 90s)'),
  ...commonFields,
});
export type MountSpec = z.infer<typeof MountSpec>;

/** The spec after load: the credentials file's path. */
export type MountDesired = MountSpec & { credentialsPath?: string };
