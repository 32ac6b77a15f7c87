// launchd jobs: the plist written (root-owned for daemons, the user's for
// agents) and compared as a parsed object; on a change the job is booted out
// and bootstrapped again; refresh is a kickstart -k. An agent of a user who
// is not logged in is loaded by launchd at the next login. Under --root the
// plist is written and the launchctl commands are shown.
import path from 'node:path';
import type { Change, Context, Provider } from '../types.js';
import type { LaunchdSpec } from './schema.js';
import { parsePlist, plistObject, plistXml, samePlist } from './plist-build.js';
import type { JobPlace } from './plist-build.js';
import { bootout, launchctl, printJob } from './launchctl.js';
import type { PrintedJob } from './launchctl.js';
import { unifiedDiff } from '../shared/content-diff.js';
import { readManagedFile, removeManagedFile, writeManagedFile } from '../shared/managed-file.js';
import { underRoot } from '../shared/os-skip.js';
import { ensureParent, setAttributes, statPath } from '../shared/posix-path.js';
import { ConvergeError } from '../../platform/errors.js';

export type LaunchdDesired = LaunchdSpec & { place?: JobPlace; sandboxed?: boolean };

export interface LaunchdObserved {
  plist: Buffer | null;
  /** undefined under --root; null when not loaded; 'no-domain' when the user is not logged in. */
  job?: PrintedJob | null | 'no-domain';
}

/** Where a job's plist goes and its domain; uid looked up with `id -u` on a real system. */
export async function jobPlace(spec: LaunchdSpec, ctx: Context): Promise<JobPlace> {
  const vUser = typeof ctx.host.vars.user === 'string' ? ctx.host.vars.user : undefined;
  if (spec.scope === 'daemon') {
    return { plistPath: `/Library/LaunchDaemons/${spec.launchd}.plist`, domain: 'system', user: spec.user, home: ctx.paths.home(spec.user ?? vUser ?? 'root') };
  }
  const user = spec.user ?? vUser;
  if (!user) throw new ConvergeError('invalid-input', `launchd agent ${spec.launchd} needs user: (or the host's vars.user)`);
  const home = ctx.paths.home(user);
  let uid = '$(id -u ' + user + ')';
  if (!ctx.sandboxed) {
    const r = await ctx.runner.run('id', ['-u', user]);
    if (r.exitCode !== 0) throw new ConvergeError('not-found', `no user ${user} on this Mac (id -u ${user}: ${r.stderr.trim()})`);
    uid = r.stdout.trim();
  }
  return { plistPath: `${home}/Library/LaunchAgents/${spec.launchd}.plist`, domain: `gui/${uid}`, user, home };
}

export const launchdProvider: Provider<LaunchdDesired, LaunchdObserved> = {
  async desire(spec, ctx) {
    return { ...spec, place: await jobPlace(spec, ctx), sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    const place = spec.place!;
    const plist = await readManagedFile(ctx, place.plistPath);
    if (ctx.sandboxed) return plist ? { plist } : null;
    const job = await printJob(ctx, `${place.domain}/${spec.launchd}`);
    if (!plist && (job === null || (job === 'no-domain' && spec.ensure === 'absent'))) return null;
    return { plist, job };
  },

  diff(spec, observed) {
    const place = spec.place!;
    const target = `${place.domain}/${spec.launchd}`;
    const want = plistObject(spec, place.home);
    const changes: Change[] = [];
    const have = observed?.plist ? parsePlist(observed.plist.toString('utf8')) : null;
    const contentChanged = !samePlist(have, want);
    if (contentChanged) {
      const before = have ? plistXml(have) : observed?.plist?.toString('utf8') ?? '';
      changes.push({ property: 'content', from: observed?.plist ? 'plist' : null, to: 'plist', diff: unifiedDiff(place.plistPath, before, plistXml(want), !observed?.plist) });
    }
    if (spec.sandboxed) {
      const commands = spec.enabled ? [`launchctl bootout ${target}`, `launchctl enable ${target}`, `launchctl bootstrap ${place.domain} ${place.plistPath}`] : [`launchctl bootout ${target}`];
      changes.push({ property: 'loaded', from: null, to: String(spec.enabled), skipped: underRoot('launchd', commands.join('; ')) });
      return changes;
    }
    const job = observed?.job;
    if (job === 'no-domain') {
      if (spec.enabled) changes.push({ property: 'loaded', from: null, to: 'true', skipped: `${place.user ?? 'the user'} is not logged in: launchd loads the agent at the next login` });
      return changes;
    }
    const loaded = job !== null && job !== undefined;
    if (spec.enabled && !loaded) changes.push({ property: 'loaded', from: 'false', to: 'true' });
    else if (!spec.enabled && loaded) changes.push({ property: 'loaded', from: 'true', to: 'false' });
    else if (spec.enabled && loaded && job.path && !job.path.startsWith('(') && job.path !== place.plistPath) {
      changes.push({ property: 'loaded from', from: job.path, to: place.plistPath });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const place = spec.place!;
    const target = `${place.domain}/${spec.launchd}`;
    const contentChanged = changes.some((c) => c.property === 'content');
    if (contentChanged) await writePlist(ctx, spec, place);
    if (ctx.sandboxed) return;
    if (!spec.enabled) {
      await bootout(ctx, target);
      return;
    }
    const job = await printJob(ctx, target);
    if (job === 'no-domain') return; // loaded by launchd at the next login
    if (job && (contentChanged || changes.some((c) => c.property === 'loaded from'))) await bootout(ctx, target);
    if (!job || contentChanged || changes.some((c) => c.property === 'loaded from')) {
      await launchctl(ctx, ['enable', target]);
      await launchctl(ctx, ['bootstrap', place.domain, place.plistPath]);
    }
  },

  async remove(spec, ctx) {
    const place = spec.place ?? (await jobPlace(spec, ctx));
    if (!ctx.sandboxed) {
      const job = await printJob(ctx, `${place.domain}/${spec.launchd}`);
      if (job && job !== 'no-domain') await bootout(ctx, `${place.domain}/${spec.launchd}`);
    }
    await removeManagedFile(ctx, place.plistPath);
  },

  async refresh(spec, ctx) {
    const place = spec.place!;
    if (ctx.sandboxed || !spec.enabled) return;
    const job = await printJob(ctx, `${place.domain}/${spec.launchd}`);
    if (job && job !== 'no-domain') await launchctl(ctx, ['kickstart', '-k', `${place.domain}/${spec.launchd}`]);
  },
};

/** Daemon plists root:wheel 0644 (launchd refuses others); agent plists the user's, in a LaunchAgents folder they own. */
async function writePlist(ctx: Context, spec: LaunchdSpec, place: JobPlace): Promise<void> {
  const xml = plistXml(plistObject(spec, place.home));
  if (spec.scope === 'daemon') {
    await writeManagedFile(ctx, place.plistPath, xml, { mode: 0o644, owner: ctx.privileged ? '0' : undefined, group: ctx.privileged ? '0' : undefined });
    return;
  }
  const dir = ctx.local(path.posix.dirname(place.plistPath));
  if (!(await statPath(dir, ctx))) {
    await ensureParent(path.join(dir, 'x'), ctx);
    if (ctx.privileged && place.user && ctx.users.uid(place.user) !== undefined) await setAttributes(dir, { owner: place.user }, ctx);
  }
  const owner = ctx.privileged && place.user && ctx.users.uid(place.user) !== undefined ? place.user : undefined;
  await writeManagedFile(ctx, place.plistPath, xml, { mode: 0o644, owner });
}
