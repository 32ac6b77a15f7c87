// What a path is on a POSIX system (lstat: a symlink is never followed), its
// attributes as changes, and setting them. Shared by file, directory, symlink
// and every type that writes a file (units, env files).
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Change, Context } from '../types.js';
import { ConvergeError, errnoOf } from '../../platform/errors.js';
import { chaseDir, closeDir, shownPath, UnsafePathError, withParent } from '../../platform/safe-path.js';
import { lstatAt, mkdirAt, readFileAt, readlinkAt, removeTreeAt, rmdirAt, setAttributesAt, symlinkAt, unlinkAt } from '../../platform/safe-ops.js';

/** Mode as a 4-digit string ("644" → "0644"). */
export function normalizeMode(mode: string): string {
  return mode.padStart(4, '0');
}

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
  /** Hard links to the inode (a file linked elsewhere gets no mode or owner). */
  nlink?: number;
}

export interface PosixAttributes {
  mode?: string;
  owner?: string;
  group?: string;
}

/**
 * The state of a local path, or null when nothing is there. The parents are
 * walked safely (platform/safe-path.ts): a link a local user planted above the
 * path fails the resource with the component named. Synchronous on purpose:
 * observe runs once per resource per run, and a sync lstat costs a fraction of
 * the promise version's round trip through the thread pool.
 */
export async function statPath(local: string, ctx: Pick<Context, 'users' | 'root'>): Promise<PathState | null> {
  const st = lstatSafe(local, ctx);
  return st ? stateOf(st, ctx) : null;
}

/** The state of a path and, when it is a file and `withBytes`, its bytes: one safe walk for both (observe's hot path). */
export function observePath(local: string, ctx: Pick<Context, 'users' | 'root'>, withBytes: boolean, sealed?: string): ObservedPath | null {
  try {
    return withParent(ctx.root, local, {}, (dir, name) => {
      const st = lstatAt(dir, name);
      if (!st) return null;
      const state = stateOf(st, ctx);
      if (!withBytes || state.kind !== 'file') return { state };
      // The bytes found equal to the spec's when the file had this identity: no write since.
      if (sealed !== undefined && (sealed === contentIdentity(st) || sealed === writtenSeal(st))) {
        return { state, content: { identity: contentIdentity(st), changedAt: st.ctimeMs, sealed: true } };
      }
      let content: FileContentIdentity | undefined;
      const bytes = readFileAt(dir, name, (opened) => (content = { identity: contentIdentity(opened), changedAt: opened.ctimeMs, sealed: false }));
      return { state, bytes, ...(content ? { content } : {}) };
    });
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return null;
    throw error;
  }
}

/** A path as observed: its state and, for a file whose content is managed, its bytes or the seal that stands for them. */
export interface ObservedPath {
  state: PathState;
  bytes?: Buffer;
  content?: FileContentIdentity;
}

/** Which inode the bytes were read from (or stood for by a seal), and when it last changed. */
export interface FileContentIdentity {
  /** Device, inode, size and change time: any write to the file, or a file put in its place, alters one. */
  identity: string;
  /** ctime, in ms since the epoch. */
  changedAt: number;
  /** True when the bytes were not read: the identity equals the seal of the last in-sync observation. */
  sealed: boolean;
}

/** The identity of a file's bytes. ctime cannot be set back by the file's owner (only by root, changing the clock). */
function contentIdentity(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.ctimeMs}`;
}

/**
 * The seal of bytes found in sync: their identity, once the file's last change is
 * older than a margin. ctime comes from a coarse clock (a tick of up to 10 ms):
 * a write in the same tick as the one observed could leave it unchanged, so a
 * file changed less than a second before it was read is read again next time.
 */
export function sealOf(content: FileContentIdentity | undefined, now: number): string | null {
  if (!content) return null;
  return content.sealed || content.changedAt < now - SEAL_MARGIN_MS ? content.identity : null;
}

const SEAL_MARGIN_MS = 1000;

/**
 * The seal of a file this run has just written (the stat of the complete file
 * before its rename), for the observe that follows within the run. The rename
 * changes the ctime, not the mtime: the same inode with the same size and mtime
 * still holds the bytes written, unless someone wrote it in the same clock tick
 * as converge (the next run reads it: this seal is never kept).
 */
export function writtenSeal(st: Stats): string {
  return `written:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

function stateOf(st: Stats, ctx: Pick<Context, 'users'>): PathState {
  const kind: PathKind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  return {
    kind,
    mode: normalizeMode((st.mode & 0o7777).toString(8)),
    uid: st.uid,
    gid: st.gid,
    owner: ctx.users.userName(st.uid),
    group: ctx.users.groupName(st.gid),
    size: st.size,
    nlink: st.nlink,
  };
}

/** lstat through a safe walk; undefined when the path or a parent is missing. */
function lstatSafe(local: string, ctx: Pick<Context, 'root'>): Stats | undefined {
  try {
    return withParent(ctx.root, local, {}, (dir, name) => lstatAt(dir, name));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined; // a parent is missing or a file: nothing can be here
    throw error;
  }
}

/** The bytes of the file at a managed path, opened without following a link (see safe-ops readFileAt). */
export function readPath(local: string, ctx: Pick<Context, 'root'>): Buffer {
  return withParent(ctx.root, local, {}, (dir, name) => readFileAt(dir, name));
}

/** The bytes at a managed path, or null when no file is there. */
export function readPathIfFile(local: string, ctx: Pick<Context, 'root'>): Buffer | null {
  try {
    return readPath(local, ctx);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    if (error instanceof UnsafePathError && error.why === 'it is not a regular file') return null;
    throw error;
  }
}

/** The link text at a managed path. */
export function readLinkAt(local: string, ctx: Pick<Context, 'root'>): string {
  return withParent(ctx.root, local, {}, (dir, name) => readlinkAt(dir, name));
}

/** Remove the entry at a managed path (a link itself, never its target). */
export function unlinkPath(local: string, ctx: Pick<Context, 'root'>): void {
  withParent(ctx.root, local, {}, (dir, name) => unlinkAt(dir, name));
}

/** Remove an empty directory at a managed path. */
export function rmdirPath(local: string, ctx: Pick<Context, 'root'>): void {
  withParent(ctx.root, local, {}, (dir, name) => rmdirAt(dir, name));
}

/** Remove what is at a managed path with everything below it, never following a link. */
export function removeTree(local: string, ctx: Pick<Context, 'root'>): void {
  withParent(ctx.root, local, {}, (dir, name) => removeTreeAt(dir, name));
}

/** Create one directory at a managed path (its parent exists). */
export function makeDirectory(local: string, mode: number, ctx: Pick<Context, 'root'>): void {
  withParent(ctx.root, local, {}, (dir, name) => mkdirAt(dir, name, mode));
}

/** Replace what is at a managed path with a link to `target`, atomically. */
export function makeSymlink(local: string, target: string, ctx: Pick<Context, 'root'>): void {
  withParent(ctx.root, local, {}, (dir, name) => symlinkAt(dir, name, target));
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

/** Set mode/owner/group on an existing path through a descriptor opened without following it (never by path). */
export async function setAttributes(local: string, want: PosixAttributes, ctx: Pick<Context, 'users' | 'privileged' | 'root'>): Promise<void> {
  const { uid, gid } = resolveIds(want, ctx);
  const mode = want.mode !== undefined ? parseInt(want.mode, 8) : undefined;
  withParent(ctx.root, local, {}, (dir, name) => setAttributesAt(dir, name, { mode, uid, gid }));
}

/**
 * Make sure the parent directory of `local` exists (created 0755 where missing),
 * reached by a safe walk from the root: no link a local user planted is followed,
 * and under a sandbox root nothing leads out of it (absolute links resolve inside).
 */
export async function ensureParent(local: string, ctx: Pick<Context, 'root' | 'cache'>): Promise<void> {
  const parent = path.dirname(local);
  const seen = parentCache(ctx);
  if (seen.has(parent)) return;
  try {
    closeDir(chaseDir(ctx.root, parent, { create: 0o755 }));
  } catch (error) {
    if (errnoOf(error) !== 'ENOTDIR') throw error;
    const blocker = (error as NodeJS.ErrnoException).path ?? parent;
    throw new ConvergeError('io', `cannot create ${path.basename(local)}: ${shownPath(ctx.root, blocker)} is not a directory`, { cause: error });
  }
  seen.add(parent);
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
