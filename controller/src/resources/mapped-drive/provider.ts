// Drive letters live in a user's logon session, so the SYSTEM agent does not
// map them itself. It keeps, under ProgramData, a user helper and one JSON
// file per drive, registers one logon task for the Users group that runs the
// helper in every session (least privilege), reads back the persisted mapping
// from HKU\<SID>\Network\<letter> and the helper's report, and re-runs the
// task when the mapping drifted. Under --root the files are written and the
// task commands are shown.
import type { Change, Context, Provider } from '../types.js';
import type { MappedDriveSpec } from './schema.js';
import { DRIVES_DIR, DRIVES_TASK, HELPER_PATH, HELPER_SCRIPT } from './helper-script.js';
import { GET_DRIVE_STATE, RUN_TASK_AND_WAIT } from './powershell.js';
import { ScheduledTaskSpec } from '../scheduled-task/schema.js';
import { renderTaskXml } from '../scheduled-task/xml.js';
import { taskParams } from '../scheduled-task/powershell.js';
import { getTask, registerTask, registrationChanges, taskCopyPath } from '../scheduled-task/provider.js';
import type { RegisteredTask } from '../scheduled-task/provider.js';
import { contentChange } from '../shared/content-diff.js';
import { readManagedFile, removeManagedFile, writeManagedFile } from '../shared/managed-file.js';
import { underRoot } from '../shared/os-skip.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { psDisplay } from '../../platform/powershell/quote.js';
import { ConvergeError } from '../../platform/errors.js';
import { privateFolderAclArgs, writeRestrictedFile } from '../env-file/windows-acl.js';
import { ensureParent } from '../shared/posix-path.js';

/** The logon task that runs the helper for every member of Users. */
export const HELPER_TASK: ScheduledTaskSpec = ScheduledTaskSpec.parse({
  scheduledTask: DRIVES_TASK,
  description: 'converge: maps the network drives configured in C:\\ProgramData\\converge\\drives in each user session',
  command: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  arguments: `-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File "${HELPER_PATH.replace(/\//g, '\\')}"`,
  runAs: 'users',
  runLevel: 'limited',
  triggers: [{ logon: { delay: 'PT30S' } }],
  executionTimeLimit: 'PT10M',
  runOnBatteries: true,
  hidden: true,
});

/** What the helper reported for one drive. */
export interface HelperDrive {
  letter: string;
  remote: string | null;
  ok: boolean;
  action: string;
  message: string;
  smb: { Status?: string; LocalPath?: string; RemotePath?: string } | null;
}

export interface DriveObserved {
  helperScript: Buffer | null;
  config: Buffer | null;
  credentials: Buffer | null;
  taskCopy: Buffer | null;
  /** Undefined under --root. */
  task?: RegisteredTask;
  /** The user's profile: loaded (logged on) and its persisted mapping for the letter. */
  profile?: { loaded: boolean; remote: string | null };
  /** The helper's last report for this letter, if any. */
  helper?: HelperDrive | null;
}

export type DriveDesired = MappedDriveSpec & { user: string; sandboxed?: boolean; credentialText?: string | null };

/**
 * The user's copy of the share credentials. The env file converge renders is
 * readable by SYSTEM and Administrators only; the helper runs as the user,
 * with a limited token, so the agent gives that user a copy of the two lines
 * it needs, readable by SYSTEM, Administrators and that user.
 */
/**
 * The drives folder: SYSTEM and Administrators write it, users only read it (their
 * helper reads it), so no user can drop a drive file that another user's session
 * would act on with that user's credentials (H3).
 */
async function restrictDrivesFolder(ctx: Context): Promise<void> {
  const r = await ctx.runner.run('icacls.exe', [...privateFolderAclArgs(DRIVES_DIR), `${USERS}:(OI)(CI)(RX)`]);
  if (r.exitCode !== 0) throw new ConvergeError('io', `icacls could not make ${DRIVES_DIR} read-only for users (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
}

/** The user's copy of the share credentials, born readable by SYSTEM, Administrators and that user only (backed up first). */
async function writeCredentialCopy(ctx: Context, hostPath: string, text: string, user: string): Promise<void> {
  const local = ctx.local(hostPath);
  await ensureParent(local, ctx);
  await ctx.backups.save(local);
  await writeRestrictedFile(ctx.runner, local, text, user);
}

const USERS = '*S-1-5-32-545';

export function credentialCopyPath(user: string): string {
  return `${DRIVES_DIR}/credentials-${user}.env`;
}

/** username/password from an env file (mount.cifs style, or SMB_USERNAME / SMB_PASSWORD). */
export function credentialLines(text: string): string | null {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars.set(m[1]!.toLowerCase(), m[2]!);
  }
  const username = vars.get('username') ?? vars.get('smb_username');
  const password = vars.get('password') ?? vars.get('smb_password');
  return username !== undefined && password !== undefined ? `username=${username}\npassword=${password}\n` : null;
}

/** The JSON file converge keeps for one drive. */
export function driveConfigPath(letter: string): string {
  return `${DRIVES_DIR}/${letter[0]}.json`;
}

/** The config the helper reads for one drive. */
export function driveConfig(spec: DriveDesired): string {
  const credentials = spec.credentials ? credentialCopyPath(spec.user).replace(/\//g, '\\') : null;
  return JSON.stringify({ letter: spec.mappedDrive, remote: spec.remote, user: spec.user, credentials }, null, 2) + '\n';
}

function helperStatePath(ctx: Pick<Context, 'paths'>, user: string): string {
  return `${ctx.paths.home(user)}/AppData/Local/converge/mapped-drives.json`.replace(/\//g, '\\');
}

/** The helper's report for `letter` from its JSON (written by PowerShell: UTF-8, maybe with a BOM). */
export function helperReport(text: string | null | undefined, letter: string): HelperDrive | null {
  if (!text) return null;
  try {
    const state = JSON.parse(text.replace(/^\uFEFF/, '')) as { drives?: HelperDrive[] | HelperDrive };
    const drives = Array.isArray(state.drives) ? state.drives : state.drives ? [state.drives] : [];
    return drives.find((d) => String(d.letter).toUpperCase() === letter) ?? null;
  } catch {
    return null;
  }
}

const sameUnc = (a: string | null | undefined, b: string) => (a ?? '').replace(/\\+$/, '').toLowerCase() === b.toLowerCase();

export const mappedDriveProvider: Provider<DriveDesired, DriveObserved> = {
  async desire(spec, ctx) {
    const user = spec.user ?? (typeof ctx.host.vars.user === 'string' ? ctx.host.vars.user : undefined);
    if (!user) throw new ConvergeError('invalid-input', `mappedDrive ${spec.mappedDrive} needs user: (or the host's vars.user): whose session the drive belongs to`);
    let credentialText: string | null | undefined;
    if (spec.credentials) {
      const source = await readManagedFile(ctx, spec.credentials);
      if (!source && !ctx.sandboxed) throw new ConvergeError('not-found', `the credentials file ${spec.credentials} is not there (render it first: an envFile resource, and requires: on it)`);
      credentialText = source ? credentialLines(source.toString('utf8')) : null;
      if (source && credentialText === null) throw new ConvergeError('invalid-input', `${spec.credentials} has no username= and password= lines (or SMB_USERNAME / SMB_PASSWORD)`);
      const password = credentialText ? /^password=(.*)$/m.exec(credentialText)?.[1] : undefined;
      if (password) ctx.scrubber.add(password);
    }
    return { ...spec, user, sandboxed: ctx.sandboxed, credentialText };
  },

  async observe(spec, ctx) {
    const observed: DriveObserved = {
      helperScript: await readManagedFile(ctx, HELPER_PATH),
      config: await readManagedFile(ctx, driveConfigPath(spec.mappedDrive)),
      credentials: spec.credentials ? await readManagedFile(ctx, credentialCopyPath(spec.user)) : null,
      taskCopy: await readManagedFile(ctx, taskCopyPath(DRIVES_TASK)),
    };
    if (!ctx.sandboxed) {
      observed.task = await getTask(ctx, DRIVES_TASK);
      const state = await (await powershell(ctx)).one<{ loaded?: boolean; remote?: string | null; helper?: string | null }>(GET_DRIVE_STATE, {
        User: spec.user,
        Letter: spec.mappedDrive,
        HelperState: helperStatePath(ctx, spec.user),
      });
      observed.profile = { loaded: state?.loaded === true, remote: state?.remote ?? null };
      observed.helper = helperReport(state?.helper, spec.mappedDrive);
    }
    const nothing = !observed.config && !observed.profile?.remote;
    return nothing && spec.ensure === 'absent' ? null : observed;
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    const file = (path: string, have: Buffer | null | undefined, want: string) => {
      const c = contentChange(path, have ?? null, Buffer.from(want));
      if (c) changes.push({ ...c, property: path === driveConfigPath(spec.mappedDrive) ? 'content' : `file ${path}` });
    };
    file(driveConfigPath(spec.mappedDrive), observed?.config, driveConfig(spec));
    file(HELPER_PATH, observed?.helperScript, HELPER_SCRIPT);
    file(taskCopyPath(DRIVES_TASK), observed?.taskCopy, renderTaskXml(HELPER_TASK));
    if (spec.credentialText) {
      const c = contentChange(credentialCopyPath(spec.user), observed?.credentials ?? null, Buffer.from(spec.credentialText), { secret: true });
      if (c) changes.push({ ...c, property: `credentials for ${spec.user}` });
    } else if (spec.credentials && spec.sandboxed) {
      changes.push({ property: `credentials for ${spec.user}`, from: null, to: credentialCopyPath(spec.user), skipped: `${spec.credentials} is not rendered under this root (no secret backend): the user's copy is made from it on the machine` });
    }
    if (spec.sandboxed || !observed?.task) {
      const params = taskParams(DRIVES_TASK);
      const commands = [
        psDisplay('Register-ScheduledTask', { ...params, Xml: `(Get-Content ${taskCopyPath(DRIVES_TASK)} -Raw)`, Force: true }),
        psDisplay('Start-ScheduledTask', params),
      ];
      changes.push({ property: 'mapping', from: null, to: `${spec.mappedDrive} → ${spec.remote} for ${spec.user}`, skipped: underRoot('Windows (Task Scheduler, the user session)', commands.join('; ')) });
      return changes;
    }
    changes.push(...registrationChanges(HELPER_TASK, renderTaskXml(HELPER_TASK), observed.task).map((c) => ({ ...c, property: `task ${c.property}` })));
    const profile = observed.profile;
    if (!profile?.loaded) {
      changes.push({ property: 'mapping', from: null, to: `${spec.mappedDrive} → ${spec.remote}`, skipped: `${spec.user} is not logged on: the logon task maps it at the next logon` });
    } else if (!sameUnc(profile.remote, spec.remote)) {
      changes.push({ property: 'mapping', from: profile.remote ?? null, to: spec.remote });
    } else if (observed.helper && !observed.helper.ok) {
      changes.push({ property: 'mapping', from: `${observed.helper.smb?.Status ?? 'failed'}${observed.helper.message ? `: ${observed.helper.message}` : ''}`, to: 'OK' });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    if (!ctx.sandboxed) await restrictDrivesFolder(ctx);
    await writeManagedFile(ctx, driveConfigPath(spec.mappedDrive), driveConfig(spec));
    if (spec.credentialText && !(await sameFile(ctx, credentialCopyPath(spec.user), spec.credentialText))) {
      // On Windows the copy is born readable by SYSTEM, Administrators and its user only (H2); under --root there is no ACL.
      if (ctx.sandboxed) await writeManagedFile(ctx, credentialCopyPath(spec.user), spec.credentialText, { mode: 0o600 });
      else await writeCredentialCopy(ctx, credentialCopyPath(spec.user), spec.credentialText, spec.user);
    }
    if (!(await sameFile(ctx, HELPER_PATH, HELPER_SCRIPT))) await writeManagedFile(ctx, HELPER_PATH, HELPER_SCRIPT);
    const xml = renderTaskXml(HELPER_TASK);
    if (!(await sameFile(ctx, taskCopyPath(DRIVES_TASK), xml))) await writeManagedFile(ctx, taskCopyPath(DRIVES_TASK), xml);
    if (ctx.sandboxed) return;
    const task = await getTask(ctx, DRIVES_TASK);
    if (changes.some((c) => c.property.startsWith('task '))) await registerTask(ctx, HELPER_TASK, xml, task);
    if (changes.some((c) => c.property === 'mapping')) {
      const r = await (await powershell(ctx)).one<{ state?: string; lastResult?: number }>(RUN_TASK_AND_WAIT, taskParams(DRIVES_TASK));
      if (r && r.lastResult !== 0 && r.lastResult !== undefined) {
        throw new ConvergeError('io', `the drive helper task ended with result ${r.lastResult} (0x${(r.lastResult >>> 0).toString(16)}); see %LOCALAPPDATA%\\converge\\mapped-drives.json of ${spec.user}`);
      }
    }
  },

  async remove(spec, ctx) {
    await removeManagedFile(ctx, driveConfigPath(spec.mappedDrive));
    if (ctx.sandboxed) return;
    // The helper removes a drive it mapped before and no longer finds configured.
    const task = await getTask(ctx, DRIVES_TASK);
    if (task.found) await (await powershell(ctx)).invoke(RUN_TASK_AND_WAIT, taskParams(DRIVES_TASK));
  },
};

async function sameFile(ctx: Context, path: string, text: string): Promise<boolean> {
  const have = await readManagedFile(ctx, path);
  return have !== null && have.equals(Buffer.from(text));
}
