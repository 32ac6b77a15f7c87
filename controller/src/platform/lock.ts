// One converge at a time per machine: a lock file in the state directory
// holding who took it. A lock whose process is gone (kill -9) is taken over.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { hostname } from 'node:os';
import { ConvergeError, errnoOf } from './errors.js';

export interface LockHolder {
  pid: number;
  command: string;
  host: string;
  since: string;
}

export interface Lock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** What the holder is doing ("apply motoko", "agent"). */
  command: string;
  /** How long to wait for another holder; 0 fails at once. */
  waitMs?: number;
  /** Called once when we start waiting, with who holds it. */
  onWait?(holder: LockHolder): void;
}

/** Take `<stateDir>/lock`, waiting up to `waitMs` for another converge to finish. */
export async function acquireLock(stateDir: string, options: LockOptions): Promise<Lock> {
  const file = path.join(stateDir, 'lock');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (;;) {
    const me: LockHolder = { pid: process.pid, command: options.command, host: hostname(), since: new Date().toISOString() };
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(me) + '\n');
      await handle.close();
      return { release: () => releaseLock(file) };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
    const holder = await readHolder(file);
    if (!holder || !alive(holder.pid)) {
      // The holder died without releasing (or the file is torn): take it over.
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (holder.pid === process.pid) throw new ConvergeError('internal', 'this process already holds the converge lock');
    if (Date.now() >= deadline) {
      throw new ConvergeError('locked', `another converge holds ${file}: ${holder.command} (pid ${holder.pid}) since ${holder.since}`);
    }
    if (!told) {
      options.onWait?.(holder);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function releaseLock(file: string): Promise<void> {
  const holder = await readHolder(file);
  if (holder?.pid === process.pid) await unlink(file).catch(() => undefined);
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}
