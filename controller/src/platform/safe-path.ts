// One way to reach a path as root: walk it component by component from the
// root (`/` or the --root sandbox), holding each directory open, never
// following a link that someone other than root could have planted, and
// refusing an ownership transition from a directory a local user controls
// into one another user owns. systemd's chase() with CHASE_SAFE is the model.
// Callers get a held directory and act relative to it (safe-ops.ts), so what
// was checked is what is used.
//
// How "relative to a held directory" works without openat() in Node:
// - 'proc' (Linux): `/proc/self/fd/<fd>/<name>`. The kernel jumps straight to
//   the held directory through the magic link and resolves only <name> there,
//   so a component swapped after the check cannot redirect anything.
// - 'portable' (macOS, a Linux without /proc): each component is lstat-checked,
//   opened O_NOFOLLOW|O_DIRECTORY and its dev/ino compared; operations use the
//   resolved absolute path and re-verify the directory's dev/ino before and
//   after. A parent is stable when root controls its parent, so this is exact
//   one level inside a user's tree and detects (cannot prevent) a swap deeper.
// - 'plain' (Windows): paths as they are; Windows has no POSIX links to plant.
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { ConvergeError, errnoOf } from './errors.js';
import { leavesBase } from './paths.js';

export type SafePathStrategy = 'proc' | 'portable' | 'plain';

const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);
const MAX_LINKS = 40;

let strategy: SafePathStrategy | undefined;

/** The strategy in use; tests pass one to run the portable (macOS) code on Linux. */
export function safePathStrategy(force?: SafePathStrategy): SafePathStrategy {
  if (force) strategy = force;
  return (strategy ??= process.platform === 'win32' ? 'plain' : process.platform === 'linux' && existsSync('/proc/self/fd') ? 'proc' : 'portable');
}

/** A directory reached safely and held open. `local` is its resolved path on this machine. */
export interface SafeDir {
  readonly fd: number;
  readonly local: string;
  readonly root: string;
  readonly st: Stats;
  /** Who besides root could change entries here: a uid, 'anyone', or null (root only). */
  readonly controller: number | 'anyone' | null;
}

/** Why a path was refused: the component (as the host sees it) and the reason. */
export class UnsafePathError extends ConvergeError {
  constructor(
    readonly component: string,
    readonly why: string,
  ) {
    super('unsupported', `refusing ${component}: ${why}`);
    this.name = 'UnsafePathError';
  }
}

/** The uids whose links and directories are trusted: root and this process. */
export function trustedUid(uid: number): boolean {
  return uid === 0 || uid === (process.geteuid?.() ?? 0);
}

/** Who besides root can change the entries of a directory with these stats. */
export function controllerOf(st: Stats): number | 'anyone' | null {
  if (!trustedUid(st.uid)) return st.uid;
  const sticky = (st.mode & 0o1000) !== 0;
  const others = (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== 0);
  return others && !sticky ? 'anyone' : null;
}

/** A host path for messages: `local` as seen from `root`. */
export function shownPath(root: string, local: string): string {
  if (root === '/' || root === '') return local;
  const rel = path.relative(root, local);
  return rel === '' ? '/' : leavesBase(rel) ? local : '/' + rel.split(path.sep).join('/');
}

/** The path of `name` inside a held directory, as the current strategy resolves it. */
export function at(dir: SafeDir, name: string): string {
  return safePathStrategy() === 'proc' ? `/proc/self/fd/${dir.fd}/${name}` : path.join(dir.local, name);
}

/** Portable strategy: the held directory is still the one at its path (no swap happened). */
export function verifyHeld(dir: SafeDir): void {
  if (safePathStrategy() !== 'portable') return;
  const now = lstatSync(dir.local, { throwIfNoEntry: false });
  if (!now || !now.isDirectory() || now.ino !== dir.st.ino || now.dev !== dir.st.dev) {
    throw new UnsafePathError(shownPath(dir.root, dir.local), 'it was replaced while converge was using it');
  }
}

/** Release a held directory (a cached one stays open for the run: see beginDirCache). */
export function closeDir(dir: SafeDir): void {
  if (dir.fd < 0) return;
  if (releaseCached(dir)) return;
  try {
    closeSync(dir.fd);
  } catch {
    // already closed
  }
}

export interface ChaseOptions {
  /** Create missing directories with this mode (as `mkdir -p`). */
  create?: number;
}

/**
 * Walk from `root` to the directory `local` (inside root) and hold it open.
 * Throws UnsafePathError naming the component for a refused path, and an
 * ENOENT/ENOTDIR system error when a component is missing or not a directory.
 */
export function chaseDir(root: string, local: string, options: ChaseOptions = {}): SafeDir {
  if (safePathStrategy() === 'plain') return plainDir(root, local, options);
  const hit = cachedDir(root, local);
  if (hit) return hit;
  const rel = path.relative(root, local);
  if (leavesBase(rel)) throw new ConvergeError('internal', `${local} is not under ${root}`);
  const parts = rel.split(path.sep).filter(Boolean);
  const stack: SafeDir[] = [openRoot(realRoot(root))];
  let links = 0;
  let walked = root; // the path as asked, up to here (what later calls pass while no link was followed)
  let rootOnly = stack[0]!.controller === null; // every directory so far: only root can change its entries
  try {
    while (parts.length) {
      const name = parts.shift()!;
      const cur = stack.at(-1)!;
      if (name === '.') continue;
      if (name === '..') {
        if (stack.length > 1) closeDir(stack.pop()!);
        continue;
      }
      const here = path.join(cur.local, name);
      let st = lstatSync(at(cur, name), { throwIfNoEntry: false });
      if (!st && options.create !== undefined) {
        makeDir(cur, name, options.create);
        st = lstatSync(at(cur, name), { throwIfNoEntry: false });
      }
      if (!st) throw fsError('ENOENT', 'lstat', here);
      if (st.isSymbolicLink()) {
        checkLink(cur, name, st);
        if (++links > MAX_LINKS) throw fsError('ELOOP', 'chase', here);
        const target = readlinkSync(at(cur, name));
        if (target.startsWith('/')) while (stack.length > 1) closeDir(stack.pop()!);
        parts.unshift(...target.split('/').filter(Boolean));
        continue;
      }
      if (!st.isDirectory()) throw fsError('ENOTDIR', 'chase', here);
      const child = openChild(cur, name, st);
      stack.push(child);
      walked = path.join(walked, name);
      if (rootOnly && links === 0) keepCached(root, walked, child);
      rootOnly &&= child.controller === null;
    }
    const found = stack.pop()!;
    if (stack.length === 0 && links === 0) keepCached(root, root, found); // the root itself (files right under it)
    for (const d of stack) closeDir(d);
    return found;
  } catch (error) {
    for (const d of stack) closeDir(d);
    throw error;
  }
}

/** Hold the parent of `local` (see chaseDir); returns it with the last component's name. */
export function chaseParent(root: string, local: string, options: ChaseOptions = {}): { dir: SafeDir; name: string } {
  return { dir: chaseDir(root, path.dirname(local), options), name: path.basename(local) };
}

/** Run `fn` with the parent of `local` held, and release it after. */
export function withParent<T>(root: string, local: string, options: ChaseOptions, fn: (dir: SafeDir, name: string) => T): T {
  const { dir, name } = chaseParent(root, local, options);
  try {
    return fn(dir, name);
  } finally {
    closeDir(dir);
  }
}

/**
 * Hold `local` (made with `mode` when missing and a mode is given) only when no one but root can change it or any
 * folder above it: what another process opens there by name (nft -f) is then
 * what converge put there. Throws UnsafePathError naming the folder otherwise.
 */
export function chaseRootOnlyDir(root: string, local: string, mode?: number): SafeDir {
  if (safePathStrategy() === 'plain') return chaseDir(root, local, mode === undefined ? {} : { create: mode }); // Windows: the folder's ACL is the guard (install-root.ts)
  const parts = path.relative(root, local).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = chaseDir(root, path.join(root, ...parts.slice(0, i)), mode === undefined ? {} : { create: mode });
    if (dir.controller !== null) {
      closeDir(dir);
      const who = dir.controller === 'anyone' ? 'users other than root can write to it' : `uid ${dir.controller} controls it`;
      throw new UnsafePathError(shownPath(root, dir.local), `${who}, and converge keeps ${shownPath(root, local)} only where root alone can change it`);
    }
    if (i === parts.length) return dir;
    closeDir(dir);
  }
  throw new ConvergeError('internal', `cannot reach ${local}`);
}

// --- the run's directory cache ------------------------------------------------
// A run reaches the same few directories for every file in them (observe, apply,
// observe again): walking from the root each time was most of a first converge's
// system calls. Between beginDirCache and endDirCache (the engine's run) a directory
// reached by a walk that followed no link, through directories only root can change,
// is kept open and handed out again: the held descriptor IS that directory, and
// operations resolve names relative to it (/proc/self/fd/N/name), so nothing a
// local user does can redirect them. What root itself may change (a command that
// removes a folder, converge replacing a directory) drops the cache (dropDirCache);
// a cached directory that was removed (no links left) is walked again. Linux
// ('proc') only: the portable strategy re-checks paths by name, which a cache would skip.

interface Cached {
  dir: SafeDir;
  users: number;
  kept: boolean;
  /** The check round in which it was last found still linked (see recheckDirCache). */
  checked: number;
}

/** At most this many directories stay open in the run's cache. */
export const DIR_CACHE_MAX = 512;
const cache = new Map<string, Cached>();
const byDir = new WeakMap<SafeDir, Cached>();
let cacheRuns = 0;
let round = 0;

/** Start keeping walked directories open (nestable; the engine calls it per run). */
export function beginDirCache(): void {
  cacheRuns++;
}

/** Stop keeping directories open and release the cached ones (those still in use close when released). */
export function endDirCache(): void {
  if (cacheRuns > 0) cacheRuns--;
  if (cacheRuns === 0) dropDirCache();
}

/**
 * Check each cached directory again, at its next use, for having been removed
 * (the engine calls it as each resource starts; between two calls a directory
 * is checked once: a removal between two operations of one resource fails that
 * resource with ENOENT, as it would between a check and the operation).
 */
export function recheckDirCache(): void {
  round++;
}

/** Forget every cached directory: something root does may have removed or replaced one. */
export function dropDirCache(): void {
  for (const entry of cache.values()) unkeep(entry);
  cache.clear();
}

function cacheKey(root: string, local: string): string {
  return `${root}\0${local}`;
}

/** The cached directory at `local` (exactly as a walk that followed no link reached it), taken for the caller. */
function cachedDir(root: string, local: string): SafeDir | undefined {
  if (cacheRuns === 0 || cache.size === 0) return undefined;
  const key = cacheKey(root, local);
  const entry = cache.get(key);
  if (!entry) return undefined;
  cache.delete(key);
  if (entry.checked !== round) {
    if (fstatSync(entry.dir.fd).nlink === 0) {
      unkeep(entry); // removed since it was cached (by a command, by hand): walk again
      return undefined;
    }
    entry.checked = round;
  }
  cache.set(key, entry); // most recently used last
  entry.users++;
  return entry.dir;
}

/** Keep a freshly walked directory for the run under the path that reached it (it stays the caller's too). */
function keepCached(root: string, local: string, dir: SafeDir): void {
  if (cacheRuns === 0 || safePathStrategy() !== 'proc') return;
  const key = cacheKey(root, local);
  if (cache.has(key)) return;
  const entry: Cached = { dir, users: 1, kept: true, checked: round };
  cache.set(key, entry);
  byDir.set(dir, entry);
  if (cache.size > DIR_CACHE_MAX) {
    const [oldKey, oldest] = cache.entries().next().value as [string, Cached];
    cache.delete(oldKey);
    unkeep(oldest);
  }
}

function unkeep(entry: Cached): void {
  entry.kept = false;
  if (entry.users === 0) closeRaw(entry.dir);
}

/** A cached directory released by a caller: true when the cache owns it (closed only once no one uses it). */
function releaseCached(dir: SafeDir): boolean {
  const entry = byDir.get(dir);
  if (!entry) return false;
  if (entry.users > 0) entry.users--;
  if (entry.users === 0 && !entry.kept) closeRaw(dir);
  return true;
}

function closeRaw(dir: SafeDir): void {
  byDir.delete(dir);
  try {
    closeSync(dir.fd);
  } catch {
    // already closed
  }
}

/** Windows: the path as it is (created when asked), no descriptor held. */
function plainDir(root: string, local: string, options: ChaseOptions): SafeDir {
  if (options.create !== undefined) mkdirSync(local, { recursive: true, mode: options.create });
  const st = lstatSync(local, { throwIfNoEntry: false });
  if (!st) throw fsError('ENOENT', 'lstat', local);
  if (!st.isDirectory()) throw fsError('ENOTDIR', 'lstat', local);
  return { fd: -1, local, root, st, controller: null };
}

const realRoots = new Map<string, string>();

/** The root's real path, so portable paths never pass a link (the operator's choice: resolved once per process). */
function realRoot(root: string): string {
  const known = realRoots.get(root);
  if (known !== undefined) return known;
  const real = resolveRoot(root);
  realRoots.set(root, real);
  return real;
}

function resolveRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
    mkdirSync(root, { recursive: true, mode: 0o755 }); // a sandbox root that does not exist yet is created
    return realpathSync(root);
  }
}

function openRoot(root: string): SafeDir {
  const fd = openSync(root, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  const st = fstatSync(fd);
  return { fd, local: root, root, st, controller: controllerOf(st) };
}

/** A symlink is followed only when root planted it where only root could replace it. */
function checkLink(cur: SafeDir, name: string, st: Stats): void {
  const shown = shownPath(cur.root, path.join(cur.local, name));
  if (!trustedUid(st.uid)) throw new UnsafePathError(shown, `it is a symbolic link owned by uid ${st.uid}; converge follows no link a local user could have planted`);
  if (cur.controller !== null) {
    const who = cur.controller === 'anyone' ? 'users other than root can write' : `uid ${cur.controller} controls`;
    throw new UnsafePathError(shown, `it is a symbolic link in ${shownPath(cur.root, cur.local)}, which ${who}; converge follows no link a local user could have replaced`);
  }
}

/** Open a child directory without following links and check it is what lstat saw and a safe transition. */
function openChild(cur: SafeDir, name: string, seen: Stats): SafeDir {
  const here = path.join(cur.local, name);
  const shown = shownPath(cur.root, here);
  if (typeof cur.controller === 'number' && seen.uid !== cur.controller && !trustedUid(seen.uid)) {
    throw new UnsafePathError(shown, `it is owned by uid ${seen.uid} inside ${shownPath(cur.root, cur.local)}, which uid ${cur.controller} controls (an unsafe ownership transition)`);
  }
  verifyHeld(cur);
  let fd: number;
  try {
    fd = openSync(at(cur, name), DIR_FLAGS);
  } catch (error) {
    if (errnoOf(error) === 'ELOOP' || errnoOf(error) === 'ENOTDIR') throw new UnsafePathError(shown, 'it was replaced while converge was opening it');
    throw relocate(error, at(cur, name), here);
  }
  const st = fstatSync(fd);
  if (st.ino !== seen.ino || st.dev !== seen.dev) {
    closeSync(fd);
    throw new UnsafePathError(shown, 'it was replaced while converge was opening it');
  }
  return { fd, local: here, root: cur.root, st, controller: controllerOf(st) };
}

function makeDir(cur: SafeDir, name: string, mode: number): void {
  verifyHeld(cur);
  try {
    mkdirSync(at(cur, name), { mode });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw relocate(error, at(cur, name), path.join(cur.local, name));
  }
}

/** A Node-style system error for `local`. */
export function fsError(code: string, syscall: string, local: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: ${syscall} '${local}'`) as NodeJS.ErrnoException;
  error.code = code;
  error.syscall = syscall;
  error.path = local;
  return error;
}

/** A system error from a `/proc/self/fd/…` path, rewritten to name the real path. */
export function relocate(error: unknown, used: string, local: string): unknown {
  if (used === local || !(error instanceof Error)) return error;
  const e = error as NodeJS.ErrnoException & { dest?: string };
  if (e.path === used) e.path = local;
  if (e.dest === used) e.dest = local;
  e.message = e.message.split(used).join(local);
  return error;
}
