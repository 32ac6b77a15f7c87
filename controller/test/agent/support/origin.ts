// A fleet repository as the agent sees it: a bare "origin" (the remote) fed
// by a working clone where tests commit and push, signed with real SSH keys
// or not at all. Also readers for what agents pushed to the status branch.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GIT_ENV } from '../../helpers/fleet.js';

/** An SSH signing key on disk, and the principal it signs as. */
export interface SigningKey {
  key: string;
  pub: string;
  principal: string;
}

/** A fresh ed25519 key in `dir`. */
export function sshKey(dir: string, name: string, principal = `${name}@example.invalid`): SigningKey {
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: `${key}.pub`, principal };
}

/** A key's public line (`ssh-ed25519 AAAA… name`), as a host.yml declares it in `agentKey:`. */
export function publicKey(k: SigningKey): string {
  return readFileSync(k.pub, 'utf8').trim();
}

/** An allowed-signers file trusting `keys`. */
export function allowedSigners(file: string, keys: SigningKey[]): string {
  const lines = keys.map((k) => `${k.principal} namespaces="git" ${execFileSync('cat', [k.pub], { encoding: 'utf8' }).trim()}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Run git with the test identity; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 2 ** 20 });
}

export interface Origin {
  /** The bare repository (the remote). */
  bare: string;
  /** file:// URL of the bare repository. */
  url: string;
  /** The working clone tests commit in. */
  work: string;
  /** Write files (null deletes), commit (signed with `key`, unsigned with null) and push to main. Returns the commit. */
  commit(files: Record<string, string | null>, options?: { message?: string; key?: SigningKey | null }): string;
  /** Move main to `commit` with a force-push (a rewind). */
  forcePush(commit: string): void;
  /** The subjects of the status branch, newest first ([] when it does not exist). */
  statusLog(): string[];
  /** state/<host>/status.json at the status branch tip. */
  statusOf(host: string): Record<string, unknown>;
  /** A file at the status branch tip. */
  statusFile(rel: string): string;
}

/** A bare origin in `dir` with `files` committed (signed by `key`) on main. */
export function createOrigin(dir: string, files: Record<string, string>, key: SigningKey | null): Origin {
  const bare = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
  git(dir, 'init', '-q', '-b', 'main', work);
  git(work, 'remote', 'add', 'origin', bare);
  const write = (fs: Record<string, string | null>) => {
    for (const [rel, content] of Object.entries(fs)) {
      const full = path.join(work, rel);
      if (content === null) {
        rmSync(full, { recursive: true, force: true });
        continue;
      }
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  };
  const origin: Origin = {
    bare,
    url: `file://${bare}`,
    work,
    commit(fs, options = {}) {
      write(fs);
      git(work, 'add', '-A');
      const signing = options.key === undefined ? key : options.key;
      const sign = signing ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${signing.key}`, 'commit', '-S'] : ['commit', '--no-gpg-sign'];
      git(work, ...sign, '-q', '--allow-empty', '-m', options.message ?? 'change');
      git(work, 'push', '-q', '--force', 'origin', 'HEAD:refs/heads/main');
      return git(work, 'rev-parse', 'HEAD').trim();
    },
    forcePush(commit) {
      git(work, 'reset', '-q', '--hard', commit);
      git(work, 'push', '-q', '--force', 'origin', 'HEAD:refs/heads/main');
    },
    statusLog() {
      try {
        return git(bare, 'log', '--format=%s', 'status').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    statusOf(host) {
      return JSON.parse(git(bare, 'show', `status:state/${host}/status.json`)) as Record<string, unknown>;
    },
    statusFile(rel) {
      return git(bare, 'show', `status:${rel}`);
    },
  };
  origin.commit(files, { message: 'initial fleet' });
  return origin;
}
