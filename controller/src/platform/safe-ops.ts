// What converge does inside a directory reached by safe-path.ts: every call is
// relative to the held directory, the last component is never followed, and
// mode and owner are set through a descriptor opened without following links
// (fchmod/fchown), never by path. `writeFilesAt` writes many files under one
// held directory with one directory fsync, for callers that batch.
import {
  closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync,
  readlinkSync, readSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { at, closeDir, controllerOf, dropDirCache, relocate, safePathStrategy, shownPath, trustedUid, UnsafePathError, verifyHeld } from './safe-path.js';
import type { SafeDir } from './safe-path.js';
import { errnoOf } from './errors.js';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const OPEN_ANY = constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

export interface Attributes {
  mode?: number;
  uid?: number;
  gid?: number;
}

/** One file of a batch written under one held directory. */
export interface FileToWrite extends Attributes {
  name: string;
  data: string | Uint8Array;
  mode: number;
}

/** Run a system call on `name` in `dir`; errors name the real path, and a portable walk is re-verified around it. */
export function onEntry<T>(dir: SafeDir, name: string, call: (p: string) => T): T {
  const used = at(dir, name);
  verifyHeld(dir);
  try {
    return call(used);
  } catch (error) {
    throw relocate(error, used, path.join(dir.local, name));
  } finally {
    verifyHeld(dir);
  }
}

/** lstat of an entry; undefined when nothing is there. */
export function lstatAt(dir: SafeDir, name: string): Stats | undefined {
  return onEntry(dir, name, (p) => lstatSync(p, { throwIfNoEntry: false }));
}

/** The link text of an entry. */
export function readlinkAt(dir: SafeDir, name: string): string {
  return onEntry(dir, name, (p) => readlinkSync(p));
}

/** The names in a held directory. */
export function readdirAt(dir: SafeDir): string[] {
  verifyHeld(dir);
  return safePathStrategy() === 'proc' ? readdirSync(`/proc/self/fd/${dir.fd}`) : readdirSync(dir.local);
}

/**
 * The bytes of a regular file, opened without following a link. In a directory a
 * local user controls, only what that user could have put there is read: a file
 * of theirs, or root's own with one link, never another inode reached through a hard link.
 * `opened` is given the status of the file read, taken before the first byte.
 */
export function readFileAt(dir: SafeDir, name: string, opened?: (st: Stats) => void): Buffer {
  let fd: number;
  try {
    fd = openEntry(dir, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw refuse(dir, name, 'it is a symbolic link; converge reads a file itself, never through a link');
    throw error;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse(dir, name, 'it is not a regular file');
    checkConfined(dir, name, st);
    opened?.(st);
    // Sized to the file (+1 to see the end in one read): a small file comes from Node's buffer pool, not a fresh 64 KiB.
    const chunks: Buffer[] = [];
    let chunk = Buffer.allocUnsafe(Math.min(st.size + 1, 1 << 24));
    let used = 0;
    for (;;) {
      const n = readSync(fd, chunk, used, chunk.length - used, null);
      if (n === 0) break;
      used += n;
      if (used === chunk.length) {
        chunks.push(chunk); // the file grew while read: read on
        chunk = Buffer.allocUnsafe(65536);
        used = 0;
      }
    }
    chunks.push(chunk.subarray(0, used));
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** Set mode/owner on what is at `name`, through a descriptor opened without following it. */
export function setAttributesAt(dir: SafeDir, name: string, want: Attributes): void {
  if (want.mode === undefined && want.uid === undefined && want.gid === undefined) return;
  let fd: number;
  try {
    fd = openEntry(dir, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    // A symbolic link: only its owner can be set, and lchown never follows it.
    if (want.mode !== undefined) throw refuse(dir, name, 'it is a symbolic link; converge sets no mode through a link');
    const st = lstatAt(dir, name);
    if (!st?.isSymbolicLink()) throw refuse(dir, name, 'it was replaced while converge was changing it');
    onEntry(dir, name, (p) => lchownSync(p, want.uid ?? -1, want.gid ?? -1));
    return;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isDirectory()) throw refuse(dir, name, 'it is a special file');
    if (st.isFile() && st.nlink > 1) {
      throw refuse(dir, name, `it has ${st.nlink} hard links; converge sets no mode or owner on a file it did not create that is linked elsewhere (another file's inode)`);
    }
    if (want.uid !== undefined || want.gid !== undefined) fchownSync(fd, want.uid ?? -1, want.gid ?? -1);
    if (want.mode !== undefined) fchmodSync(fd, want.mode);
  } finally {
    closeSync(fd);
  }
}

/** Write a complete temp file beside `name` (content, mode, owner, fsync); returns its name. */
export function writeTempAt(dir: SafeDir, name: string, data: string | Uint8Array, attrs: Attributes & { mode: number }): string {
  const { tmp, fd } = openTempAt(dir, name, data, attrs);
  try {
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(dir, tmp);
    throw relocate(error, at(dir, tmp), path.join(dir.local, tmp));
  }
  closeSync(fd);
  return tmp;
}

/** The temp file beside `name` with its content, mode and owner, still open and not yet fsynced (the caller fsyncs and closes it: several files' fsyncs can then wait together). */
export function openTempAt(dir: SafeDir, name: string, data: string | Uint8Array, attrs: Attributes & { mode: number }): { tmp: string; fd: number } {
  const { tmp, made: fd } = createTemp(dir, name, (p) => openSync(p, CREATE, attrs.mode));
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fchmodSync(fd, attrs.mode);
    if (attrs.uid !== undefined || attrs.gid !== undefined) fchownSync(fd, attrs.uid ?? -1, attrs.gid ?? -1);
  } catch (error) {
    closeSync(fd);
    removeQuietly(dir, tmp);
    throw relocate(error, at(dir, tmp), path.join(dir.local, tmp));
  }
  return { tmp, fd };
}

// Temp names: a random start per process, then one more each (a random draw per
// file cost 10 µs; a first converge of 1,000 files, 10 ms). Eight hex digits, as
// recovery knows them. The names that follow one a local user has seen can be
// guessed and taken first: a name found taken (O_EXCL) starts a new random run.
let tempSeq: number | undefined;
const TEMP_TRIES = 8;
function createTemp<T>(dir: SafeDir, name: string, create: (p: string) => T): { tmp: string; made: T } {
  for (let tries = 1; ; tries++) {
    tempSeq = ((tempSeq ?? randomBytes(4).readUInt32BE(0)) + 1) >>> 0;
    const tmp = `.${name}.converge-${tempSeq.toString(16).padStart(8, '0')}`;
    try {
      return { tmp, made: onEntry(dir, tmp, create) };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST' || tries === TEMP_TRIES) throw error;
      tempSeq = undefined;
    }
  }
}

/** Rename an entry over another in the same held directory (the target is replaced, never followed). */
export function renameAt(dir: SafeDir, from: string, to: string): void {
  try {
    onEntry(dir, to, (p) => renameSync(at(dir, from), p));
  } catch (error) {
    removeQuietly(dir, from);
    throw error;
  }
}

/** Replace `name` with `data` atomically (temp file, rename); the directory fsync is the caller's. */
export function writeFileAt(dir: SafeDir, name: string, data: string | Uint8Array, attrs: Attributes & { mode: number }): void {
  renameAt(dir, writeTempAt(dir, name, data, attrs), name);
}

/** Write many files under one held directory: every temp first, then the renames, then one fsync of the directory. */
export function writeFilesAt(dir: SafeDir, files: FileToWrite[]): void {
  const temps = files.map((f) => writeTempAt(dir, f.name, f.data, f));
  files.forEach((f, i) => renameAt(dir, temps[i]!, f.name));
  syncDirAt(dir);
}

/** Make a rename in the held directory durable (a no-op where the OS refuses). */
export function syncDirAt(dir: SafeDir): void {
  try {
    fsyncSync(dir.fd);
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic
  }
}

/** Replace `name` with a symbolic link to `target`, atomically. */
export function symlinkAt(dir: SafeDir, name: string, target: string): void {
  const { tmp } = createTemp(dir, name, (p) => symlinkSync(target, p));
  renameAt(dir, tmp, name);
}

/** mkdir of one entry. */
export function mkdirAt(dir: SafeDir, name: string, mode: number): void {
  onEntry(dir, name, (p) => mkdirSync(p, { mode }));
}

/** unlink of one entry (a link itself, never its target). */
export function unlinkAt(dir: SafeDir, name: string): void {
  onEntry(dir, name, (p) => unlinkSync(p));
}

/** rmdir of one empty entry. */
export function rmdirAt(dir: SafeDir, name: string): void {
  dropDirCache();
  onEntry(dir, name, (p) => rmdirSync(p));
}

/** Remove an entry and, for a directory, everything in it, each level held open (links are removed, never followed). */
export function removeTreeAt(dir: SafeDir, name: string): void {
  const st = lstatAt(dir, name);
  if (!st) return;
  if (!st.isDirectory()) return unlinkAt(dir, name);
  dropDirCache();
  const child = openDirAt(dir, name, st);
  try {
    for (const entry of readdirAt(child)) removeTreeAt(child, entry);
  } finally {
    closeDir(child);
  }
  rmdirAt(dir, name);
}

/** Hold a child directory of a held one (no link followed; it must be the inode lstat saw). */
export function openDirAt(dir: SafeDir, name: string, seen?: Stats): SafeDir {
  const fd = onEntry(dir, name, (p) => openSync(p, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | NOFOLLOW));
  const st = fstatSync(fd);
  if (seen && (st.ino !== seen.ino || st.dev !== seen.dev)) {
    closeSync(fd);
    throw refuse(dir, name, 'it was replaced while converge was opening it');
  }
  return { fd, local: path.join(dir.local, name), root: dir.root, st, controller: controllerOf(st) };
}

function openEntry(dir: SafeDir, name: string): number {
  return onEntry(dir, name, (p) => openSync(p, OPEN_ANY));
}

/** In a directory a local user controls, refuse a file that user could not have put there themselves. */
function checkConfined(dir: SafeDir, name: string, st: Stats): void {
  const controller = dir.controller;
  if (controller === null) return;
  const theirs = typeof controller === 'number' && st.uid === controller;
  if (!theirs && !trustedUid(st.uid)) throw refuse(dir, name, `it is owned by uid ${st.uid}, not by the owner of ${shownPath(dir.root, dir.local)}`);
  if (!theirs && st.nlink > 1) throw refuse(dir, name, `it has ${st.nlink} hard links in a directory a local user controls; converge reads no other file's inode through a link`);
}

function refuse(dir: SafeDir, name: string, why: string): UnsafePathError {
  return new UnsafePathError(shownPath(dir.root, path.join(dir.local, name)), why);
}

function removeQuietly(dir: SafeDir, name: string): void {
  try {
    unlinkSync(at(dir, name));
  } catch {
    // already gone
  }
}
