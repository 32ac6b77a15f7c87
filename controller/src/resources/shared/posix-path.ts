// What a path is on a POSIX system (lstat: a symlink is never followed), its
// attributes as changes, and setting them. Shared by file, directory, symlink
// and every type that writes a file (units, env files).
import { chmodSync, lchownSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Change, Context } from '../types.js';
import { normalizeMode } from './fields.js';
import { ConvergeError, errnoOf } from '../../platform/errors.js';

export type PathKind = 'file' | 'directory' | 'symlink' | 'other';

/** What lstat says about a path, with names for its owner and group. */
export interface PathState {
  kind: PathKind;
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
}

export interface PosixAttributes {
  mode?: string;
  owner?: string;
  group?: string;
}

/**
 * The state of a local path, or null when nothing is there. Synchronous on
 * purpose: observe runs once per resource per run, and a sync lstat costs a
 * fraction of the promise version's round trip through the thread pool.
 */
export async function statPath(local: string, ctx: Pick<Context, 'users'>): Promise<PathState | null> {
  let st;
  try {
    st = lstatSync(local, { throwIfNoEntry: false });
  } catch (error) {
    if (errnoOf(error) === 'ENOTDIR') return null; // a parent is a file: nothing can be here
    throw error;
  }
  if (!st) return null;
  const kind: PathKind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  return {
    kind,
    mode: normalizeMode((st.mode & 0o7777).toString(8)),
    uid: st.uid,
    gid: st.gid,
    owner: ctx.users.userName(st.uid),
    group: ctx.users.groupName(st.gid),
    size: st.size,
  };
}

/** Attribute changes (mode, owner, group) between desired and observed. Pure. */
export function attributeChanges(want: PosixAttributes, have: PathState | null, options: { privileged: boolean } = { privileged: true }): Change[] {
  const changes: Change[] = [];
  if (want.mode !== undefined) {
    const mode = normalizeMode(want.mode);
    if (!have || have.mode !== mode) changes.push({ property: 'mode', from: have?.mode ?? null, to: mode });
  }
  for (const key of ['owner', 'group'] as const) {
    const desired = want[key];
    if (desired === undefined) continue;
    const id = key === 'owner' ? have?.uid : have?.gid;
    const name = key === 'owner' ? have?.owner : have?.group;
    if (have && (desired === name || desired === String(id))) continue;
    const change: Change = { property: key, from: have ? name ?? null : null, to: desired };
    if (!options.privileged) change.skipped = `setting the ${key} needs root`;
    changes.push(change);
  }
  return changes;
}

/** uid/gid for the desired owner/group; throws a clear error for unknown names. */
export function resolveIds(want: PosixAttributes, ctx: Pick<Context, 'users' | 'privileged'>): { uid?: number; gid?: number } {
  if (!ctx.privileged) return {};
  const ids: { uid?: number; gid?: number } = {};
  if (want.owner !== undefined) {
    ids.uid = ctx.users.uid(want.owner);
    if (ids.uid === undefined) throw new ConvergeError('invalid-input', `no user '${want.owner}' on this system`);
  }
  if (want.group !== undefined) {
    ids.gid = ctx.users.gid(want.group);
    if (ids.gid === undefined) throw new ConvergeError('invalid-input', `no group '${want.group}' on this system`);
  }
  return ids;
}

/** Set mode/owner/group on an existing path (never following a symlink for ownership). */
export async function setAttributes(local: string, want: PosixAttributes, ctx: Pick<Context, 'users' | 'privileged'>): Promise<void> {
  const { uid, gid } = resolveIds(want, ctx);
  if (uid !== undefined || gid !== undefined) lchownSync(local, uid ?? -1, gid ?? -1);
  if (want.mode !== undefined) chmodSync(local, parseInt(want.mode, 8));
}

/**
 * Make sure the parent directory of `local` exists (created 0755 where missing) and,
 * under a sandbox root, really lies inside it: a symlink in the sandbox must not
 * carry a write out to the real system.
 */
export async function ensureParent(local: string, ctx: Pick<Context, 'root' | 'sandboxed' | 'cache'>): Promise<void> {
  const parent = path.dirname(local);
  const seen = parentCache(ctx);
  if (seen.has(parent)) return;
  if (ctx.sandboxed) {
    // A sandbox root that does not exist yet is created first (as --root and a config's root: promise), so the
    // walk below stops inside it; then the deepest existing ancestor is checked before anything is created below it.
    mkdirSync(ctx.root, { recursive: true });
    let existing = parent;
    while (!exists(existing)) existing = path.dirname(existing);
    const rootReal = realpathSync(ctx.root);
    const real = realpathSync(existing);
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
      throw new ConvergeError('unsupported', `${existing} resolves to ${real}, outside the sandbox root ${ctx.root}; refusing to write there`);
    }
  }
  try {
    mkdirSync(parent, { recursive: true, mode: 0o755 });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST' && errnoOf(error) !== 'ENOTDIR') throw error;
    // Some ancestor is a file (or a link to one): name it.
    let blocker = parent;
    while (blocker !== path.dirname(blocker) && lstatSync(blocker, { throwIfNoEntry: false })?.isDirectory() !== true) {
      const up = path.dirname(blocker);
      if (lstatSync(up, { throwIfNoEntry: false })?.isDirectory()) break;
      blocker = up;
    }
    throw new ConvergeError('io', `cannot create ${path.basename(local)}: ${blocker} is not a directory`, { cause: error });
  }
  seen.add(parent);
}

function exists(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

function parentCache(ctx: Pick<Context, 'cache'>): Set<string> {
  let set = ctx.cache.get('posix-path:parents') as Set<string> | undefined;
  if (!set) {
    set = new Set();
    ctx.cache.set('posix-path:parents', set);
  }
  return set;
}

/**
 * The change when something of another kind stands at a managed path. What apply
 * will refuse (a directory replaced without `force: true`, a special file) says
 * so in the plan, so a plan never promises what apply then declines.
 */
export function typeChange(from: PathKind, to: 'file' | 'directory' | 'symlink', shown: string, force: boolean | undefined): Change {
  const replacesTree = (from === 'directory') !== (to === 'directory');
  const refusal = from === 'other' ? 'apply refuses: converge never replaces a special file' : replacesTree && !force ? `apply refuses: set force: true to replace ${describeKind(from)}` : null;
  return { property: 'type', from, to: refusal ? `${shown} (${refusal})` : shown };
}

/** "a directory" / "a symlink"…, for messages. */
export function describeKind(kind: PathKind): string {
  return kind === 'other' ? 'a special file' : `a ${kind}`;
}
