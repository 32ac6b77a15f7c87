// The one way the agent runs git: simple-git with a daemon's environment (no
// prompts, C locale, the operator's ssh settings kept) and a timeout, so a
// hung remote cannot hang the agent.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import { ConvergeError, messageOf } from '../platform/errors.js';

/** GIT_* variables of the agent's own environment that reach git (the service unit may set them). */
const KEPT_FROM_ENVIRONMENT = [
  'GIT_SSH_COMMAND',
  'GIT_SSH',
  'GIT_SSH_VARIANT',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_GLOBAL',
  'GIT_HTTP_LOW_SPEED_LIMIT',
  'GIT_HTTP_LOW_SPEED_TIME',
  'GIT_TRACE',
  'GIT_CURL_VERBOSE',
];

/** Variables converge itself sets for some commands. */
const SET_BY_CONVERGE = ['GIT_TERMINAL_PROMPT', 'GIT_INDEX_FILE', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_AUTHOR_DATE', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_DATE'];

/** Variables that make git run other programs; a daemon needs none of them (simple-git refuses them too). */
const DROPPED = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

/** ssh options of the agent's git unless the operator sets GIT_SSH_COMMAND: never a prompt, never a hang on a dead host. */
export const SSH_DEFAULTS = '-o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4';

/** How long git may stay silent before it is killed. */
const SILENCE_LIMIT_MS = 120_000;

let sshControlDir: string | null = null;

/**
 * Share one ssh connection between the git commands of this process (OpenSSH
 * ControlMaster, socket in `dir`): a poll over ssh then costs a local socket
 * instead of a key exchange. A socket path must fit in 108 bytes (ssh adds 17
 * while creating it), so a long `dir` is replaced by a private folder in /tmp.
 */
export function shareSshConnections(dir: string | null): void {
  if (!dir) {
    sshControlDir = null;
    return;
  }
  let chosen = dir;
  if (/\s/.test(chosen) || path.join(chosen, 'ssh-').length + 40 + 17 >= 108) {
    chosen = path.join(os.tmpdir(), `converge-ssh-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
    mkdirSync(chosen, { recursive: true, mode: 0o700 });
  }
  sshControlDir = chosen;
}

/** Close the shared ssh connections (the masters would otherwise linger for ControlPersist after the agent exits). */
export async function closeSshConnections(): Promise<void> {
  const dir = sshControlDir;
  if (!dir) return;
  const { readdir } = await import('node:fs/promises');
  const { execFile } = await import('node:child_process');
  const sockets = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^ssh-[0-9a-f]{40}$/.test(n));
  await Promise.all(
    sockets.map((n) => new Promise<void>((resolve) => execFile('ssh', ['-O', 'exit', '-o', `ControlPath=${path.join(dir, n)}`, 'converge-agent'], { timeout: 5000 }, () => resolve()))),
  );
}

/** The environment git runs with: no terminal prompts, C locale, the kept GIT_* variables, `extra` on top. */
export function gitEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    const name = k.toUpperCase();
    if ((name.startsWith('GIT_') && !KEPT_FROM_ENVIRONMENT.includes(name)) || DROPPED.has(name)) continue;
    env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  // A daemon cannot answer ssh's questions: fail instead of waiting (the operator's own GIT_SSH_COMMAND wins).
  // Nor wait on a host that drops packets: without ConnectTimeout a connect waits for the kernel's SYN retries and
  // holds git's pipes past its silence limit, and a connection gone dead is noticed only by the keep-alives.
  if (!env.GIT_SSH_COMMAND && !env.GIT_SSH) env.GIT_SSH_COMMAND = `ssh ${SSH_DEFAULTS}`;
  const all = { ...env, ...extra };
  if (sshControlDir && all.GIT_SSH_COMMAND && !all.GIT_SSH) {
    all.GIT_SSH_COMMAND += ` -o ControlMaster=auto -o ControlPersist=300 -o ControlPath=${path.join(sshControlDir, 'ssh-%C')}`;
  }
  return all;
}

/** A simple-git instance working in `dir`, with `extraEnv` on top of the agent's git environment; `stdin` is fed to every command it runs. */
export function gitAt(dir: string, extraEnv: Record<string, string> = {}, stdin?: Buffer): SimpleGit {
  return simpleGit({
    ...(stdin === undefined ? {} : { input: () => stdin }),
    baseDir: dir,
    binary: 'git',
    maxConcurrentProcesses: 2,
    trimmed: false,
    timeout: { block: SILENCE_LIMIT_MS },
    // Wait for git's output to be complete: on a busy machine `exit` can come before the last of stdout/stderr.
    completion: { onClose: true, onExit: false },
    allowEnvironment: [...KEPT_FROM_ENVIRONMENT, ...SET_BY_CONVERGE],
    // The agent's config (an operator's file) may name ssh commands and config paths.
    // Reading branches as data configures the upload-pack of local remotes (to allow partial fetches from them).
    unsafe: { allowUnsafeSshCommand: true, allowUnsafeConfigPaths: true, allowUnsafePack: true },
    // Any non-zero exit is an error (simple-git alone lets a silent exit 1 pass), and its code survives in the message.
    errors(error, result) {
      if (result.exitCode === 0) return undefined;
      const stderr = Buffer.concat(result.stdErr).toString('utf8').trim();
      return new Error(`[exit ${result.exitCode}] ${stderr || (error ? messageOf(error) : '')}`.trim());
    },
  }).env(gitEnvironment(extraEnv));
}

/** The exit code of a failed git command run through `gitAt`, when it ran at all. */
export function exitCodeOf(error: unknown): number | undefined {
  const m = /\[exit (\d+)\]/.exec(messageOf(error));
  return m ? Number(m[1]) : undefined;
}

/** git's own words from a failure, trimmed to what an operator needs (first meaningful lines). */
export function gitMessage(error: unknown): string {
  const text = messageOf(error)
    .replace(/^(Error: )?\[exit \d+\] ?/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  return text.slice(0, 3).join('; ') || 'git failed';
}

/** A git failure talking to a remote: worth retrying later. */
export function remoteError(what: string, error: unknown): ConvergeError {
  return new ConvergeError('transient', `${what}: ${gitMessage(error)}`, { cause: error });
}

/** A URL for messages: credentials in it (https://user:token@…) are never shown. */
export function safeUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^/@:]*):[^/@]*@/i, '$1$2:***@');
}
