// SMB mounts on macOS, done as the user who reads them: a per-user
// LaunchAgent runs converge's helper (mount_smbfs -N -o soft,nobrowse) at
// login, every minute and after a network change (sleep, Wi-Fi), with a
// health probe and a remount of a dead mount. The password lives in the
// System keychain (put there by the root agent through `security -i` on
// stdin, never on a command line), where mount_smbfs finds it. Under --root
// the helper and the agent's plist are written and the rest is shown.
import type { Change, Provider } from '../types.js';
import type { MountDesired } from './schema.js';
import { LaunchdSpec } from '../launchd/schema.js';
import { launchdProvider } from '../launchd/provider.js';
import type { LaunchdDesired, LaunchdObserved } from '../launchd/provider.js';
import { launchctl } from '../launchd/launchctl.js';
import { MOUNT_HELPER, MOUNT_HELPER_PATH } from './macos-helper.js';
import { parseMacMounts, shareKey } from './macos-mounts.js';
import type { MacMount } from './macos-mounts.js';
import { contentChange } from '../shared/content-diff.js';
import { readManagedFile, writeManagedFile } from '../shared/managed-file.js';
import { underRoot } from '../shared/os-skip.js';
import { ConvergeError } from '../../platform/errors.js';
import { createHash } from 'node:crypto';

/** The mount at run time: the user's agent, the SMB account and a hash of its password (set by desire). */
export type MacMountSpec = MountDesired & {
  agent?: LaunchdDesired;
  smbUser?: string | null;
  passwordHash?: string | null;
  password?: string | null;
  /** The user's 0600 file the helper reads the SMB account name from (never in the plist or its arguments). */
  accountFile?: string | null;
  sandboxed?: boolean;
};

export interface MacMountObserved {
  helper: Buffer | null;
  account?: Buffer | null;
  agent: LaunchdObserved | null;
  /** undefined under --root. */
  mount?: MacMount | null;
  keychain?: { present: boolean; passwordHash: string | null };
}

const KEYCHAIN = '/Library/Keychains/System.keychain';
/** soft: a vanished server makes calls fail instead of hanging Finder; nobrowse: not on the Desktop/Finder sidebar. */
const BASE_OPTIONS = ['soft', 'nobrowse'];

function server(device: string): string {
  return shareKey(device).split('/')[0]!;
}

function label(spec: MacMountSpec): string {
  return `dev.converge.mount.${spec.mount.replace(/^\/+/, '').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
}

/** //server/share: the account name is added by the helper from the account file. */
function mountUrl(spec: MacMountSpec): string {
  const [srv, ...share] = shareKey(spec.device).split('/');
  return `//${srv}/${share.join('/')}`;
}

/** What the account file holds: the URL-encoded SMB account name. */
function accountText(spec: MacMountSpec): string | null {
  return spec.smbUser ? `${encodeURIComponent(spec.smbUser)}\n` : null;
}

function options(spec: MacMountSpec): string {
  return [...new Set([...BASE_OPTIONS, ...(spec.options ?? [])])].join(',');
}

/** username= / password= of a credentials file. */
function credentials(text: string): { user: string | null; password: string | null } {
  const get = (k: string) => new RegExp(`^\\s*${k}\\s*=\\s*(.*?)\\s*$`, 'mi').exec(text)?.[1] ?? null;
  return { user: get('username'), password: get('password') };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The `security -i` line that stores the password (quoted for security's own parser). */
export function keychainCommand(account: string, host: string, password: string): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `add-internet-password -U -a ${q(account)} -s ${q(host)} -r "smb " -l ${q(`converge: //${host}`)} -T /sbin/mount_smbfs -T /usr/bin/security -w ${q(password)} ${KEYCHAIN}\n`;
}

export const macosMountProvider: Provider<MacMountSpec, MacMountObserved> = {
  async desire(spec, ctx) {
    const user = spec.user ?? (typeof ctx.host.vars.user === 'string' ? ctx.host.vars.user : undefined);
    if (!user) throw new ConvergeError('invalid-input', `mount ${spec.mount} needs user: (or the host's vars.user): on macOS a share is mounted by the user who reads it`);
    let smbUser: string | null = null;
    let password: string | null = null;
    if (spec.credentialsPath) {
      const text = await readManagedFile(ctx, spec.credentialsPath);
      if (text) ({ user: smbUser, password } = credentials(text.toString('utf8')));
      else if (!ctx.sandboxed) throw new ConvergeError('not-found', `the credentials file ${spec.credentialsPath} is not there (render it first: an envFile resource)`);
      if (password) ctx.scrubber.add(password);
    }
    if (smbUser) ctx.scrubber.add(smbUser);
    const accountFile = smbUser ? `${ctx.paths.home(user)}/Library/Application Support/converge/${label(spec)}.account` : null;
    const withCreds = { ...spec, user, smbUser, password, passwordHash: password ? sha(password) : null, accountFile, sandboxed: ctx.sandboxed };
    const agentSpec = LaunchdSpec.parse({
      launchd: label(spec),
      scope: 'agent',
      user,
      program: [MOUNT_HELPER_PATH, spec.mount, mountUrl(withCreds), options(spec), ...(accountFile ? [accountFile] : [])],
      runAtLoad: true,
      startInterval: 60,
      watchPaths: ['/Library/Preferences/SystemConfiguration'],
      processType: 'Background',
      enabled: spec.mounted,
    });
    return { ...withCreds, agent: await launchdProvider.desire!(agentSpec as LaunchdDesired, ctx) };
  },

  async observe(spec, ctx) {
    const observed: MacMountObserved = { helper: await readManagedFile(ctx, MOUNT_HELPER_PATH), agent: await launchdProvider.observe(spec.agent!, ctx) };
    if (spec.accountFile) observed.account = await readManagedFile(ctx, spec.accountFile);
    if (!ctx.sandboxed) {
      const table = await ctx.runner.run('/sbin/mount', []);
      if (table.exitCode !== 0) throw new ConvergeError('io', `/sbin/mount failed: ${table.stderr.trim()}`);
      observed.mount = parseMacMounts(table.stdout).find((m) => m.point === spec.mount) ?? null;
      if (spec.smbUser) {
        const r = await ctx.runner.run('security', ['find-internet-password', '-a', spec.smbUser, '-s', server(spec.device), '-r', 'smb ', '-w', KEYCHAIN]);
        const value = r.exitCode === 0 ? r.stdout.replace(/\n$/, '') : null;
        if (value) ctx.scrubber.add(value);
        observed.keychain = { present: r.exitCode === 0, passwordHash: value ? sha(value) : null };
      }
    }
    if (spec.ensure === 'absent' && !observed.mount && !observed.agent) return null;
    return observed;
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    const helper = contentChange(MOUNT_HELPER_PATH, observed?.helper ?? null, Buffer.from(MOUNT_HELPER));
    if (helper) changes.push({ ...helper, property: `file ${MOUNT_HELPER_PATH}` });
    const account = accountText(spec);
    if (spec.accountFile && account && observed?.account?.toString('utf8') !== account) {
      changes.push({ property: `account ${spec.accountFile}`, from: observed?.account ? '(secret)' : null, to: '(secret)', secret: true });
    }
    for (const c of launchdProvider.diff(spec.agent!, observed?.agent ?? null)) changes.push({ ...c, property: c.property === 'content' ? `agent ${spec.agent!.place!.plistPath}` : `agent ${c.property}` });
    if (spec.sandboxed) {
      const commands = [
        ...(spec.password ? [`security -i <<< 'add-internet-password -U -a ${spec.smbUser} -s ${server(spec.device)} -r "smb " … -w (secret) ${KEYCHAIN}'`] : []),
        `launchctl kickstart ${spec.agent!.place!.domain}/${spec.agent!.launchd}  # runs: ${MOUNT_HELPER_PATH} ${spec.mount} ${mountUrl(spec)} ${options(spec)}`,
      ];
      changes.push({ property: 'mounted', from: null, to: spec.mounted ? `${mountUrl(spec)} (${options(spec)})` : 'false', skipped: underRoot('macOS (the System keychain, the user session)', commands.join('; ')) });
      return changes;
    }
    if (spec.password && (!observed?.keychain?.present || observed.keychain.passwordHash !== spec.passwordHash)) {
      changes.push({ property: 'keychain', from: observed?.keychain?.present ? '(secret)' : null, to: '(secret)', secret: true });
    }
    const m = observed?.mount ?? null;
    if (spec.mounted) {
      if (!m) changes.push({ property: 'mounted', from: 'false', to: mountUrl(spec) });
      else if (m.fstype !== 'smbfs' || shareKey(m.device) !== shareKey(spec.device)) changes.push({ property: 'mounted', from: `${m.device} (${m.fstype})`, to: mountUrl(spec) });
      else if (m.mountedBy && m.mountedBy !== spec.user) changes.push({ property: 'mounted by', from: m.mountedBy, to: spec.user! });
    } else if (m) changes.push({ property: 'mounted', from: m.device, to: 'false' });
    return changes;
  },

  async apply(spec, changes, ctx) {
    if (changes.some((c) => c.property.startsWith('file '))) await writeManagedFile(ctx, MOUNT_HELPER_PATH, MOUNT_HELPER, { mode: 0o755, owner: ctx.privileged ? '0' : undefined, group: ctx.privileged ? '0' : undefined });
    const account = accountText(spec);
    if (spec.accountFile && account && changes.some((c) => c.property.startsWith('account '))) {
      const owner = ctx.privileged && ctx.users.uid(spec.user!) !== undefined ? spec.user! : undefined;
      await writeManagedFile(ctx, spec.accountFile, account, { mode: 0o600, owner });
    }
    const agentChanges = changes.filter((c) => c.property.startsWith('agent ')).map((c) => ({ ...c, property: c.property.startsWith('agent /') ? 'content' : c.property.slice('agent '.length) }));
    if (agentChanges.length) await launchdProvider.apply(spec.agent!, agentChanges, ctx);
    if (ctx.sandboxed) return;
    if (changes.some((c) => c.property === 'keychain') && spec.password && spec.smbUser) {
      const r = await ctx.runner.run('security', ['-i'], { input: keychainCommand(spec.smbUser, server(spec.device), spec.password) });
      if (r.exitCode !== 0) throw new ConvergeError('io', `storing the SMB password of ${spec.smbUser}@${server(spec.device)} in the System keychain failed (${r.exitCode}): ${ctx.scrubber.scrub(r.stderr.trim())}`);
    }
    const target = `${spec.agent!.place!.domain}/${spec.agent!.launchd}`;
    if (!spec.mounted) {
      await ctx.runner.run('/sbin/umount', [spec.mount]);
      return;
    }
    if (changes.some((c) => c.property.startsWith('mounted'))) {
      if (changes.some((c) => c.property === 'mounted by' || (c.property === 'mounted' && c.from !== 'false'))) await ctx.runner.run('/sbin/umount', ['-f', spec.mount]);
      await launchctl(ctx, ['kickstart', target]);
      // The helper runs in the user's session; give it the mount's own timeout to finish.
      for (let i = 0; i < 30; i++) {
        const table = await ctx.runner.run('/sbin/mount', []);
        if (parseMacMounts(table.stdout).some((m) => m.point === spec.mount && shareKey(m.device) === shareKey(spec.device))) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
      throw new ConvergeError('transient', `${spec.mount} was not mounted within 30 s by ${target}; see ~/Library/Logs of ${spec.user} or log show --predicate 'process == "mount_smbfs"'`);
    }
  },

  async remove(spec, ctx) {
    if (!ctx.sandboxed) await ctx.runner.run('/sbin/umount', [spec.mount]);
    await launchdProvider.remove!(spec.agent!, ctx);
  },
};
