// A real unprivileged local user for attack tests: a uid made up by the test
// (no account needed), its actions run through `setpriv --reuid … --clear-groups`,
// and a sandbox root whose etc/passwd names it `mike` with a home it owns.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { tempDir } from './tmp.js';
import { runs } from './components.js';

/** True when this process can act as another user (root, with setpriv installed). */
export const CAN_ACT_AS_USER = process.getuid?.() === 0 && runs('setpriv', ['--version']);

/** A uid no account on this machine is likely to have, distinct per test process. */
export function testUid(): number {
  return 42_000 + (process.pid % 20_000);
}

function setprivArgs(uid: number, command: string, args: string[]): string[] {
  return [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', command, ...args];
}

/** Run `command` as `uid`; throws with its stderr when it fails. */
export function asUser(uid: number, command: string, ...args: string[]): string {
  const r = spawnSync('setpriv', setprivArgs(uid, command, args), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`as uid ${uid}: ${command} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Start `command` as `uid` in the background (a swapping loop); killed by the caller. */
export function spawnAsUser(uid: number, command: string, ...args: string[]): ChildProcess {
  return spawn('setpriv', setprivArgs(uid, command, args), { stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface UserSandbox {
  root: string;
  uid: number;
  /** The host path of the user's home, /home/mike. */
  homeHost: string;
  /** Where that home is on this machine. */
  home: string;
}

/** A sandbox root (traversable by the user) where `mike` is `uid` and owns /home/mike. */
export function userSandbox(uid: number = testUid()): UserSandbox {
  const root = tempDir('converge-local-user-');
  chmodSync(root, 0o755);
  mkdirSync(path.join(root, 'etc'), { mode: 0o755 });
  writeFileSync(path.join(root, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\nmike:x:${uid}:${uid}:Mike:/home/mike:/bin/sh\n`);
  writeFileSync(path.join(root, 'etc/group'), `root:x:0:\nmike:x:${uid}:\n`);
  const home = path.join(root, 'home/mike');
  mkdirSync(home, { recursive: true, mode: 0o755 });
  chmodSync(path.join(root, 'home'), 0o755);
  chownSync(home, uid, uid);
  return { root, uid, homeHost: '/home/mike', home };
}
