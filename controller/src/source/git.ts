// The one way the agent runs git: simple-git with a daemon's environment (no
// prompts, C locale, the operator's ssh settings kept) and a timeout, so a
// hung remote cannot hang the agent.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
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
const SET_BY_CONVERGE = [...credentialVariables(), 'GIT_TERMINAL_PROMPT', 'GIT_INDEX_FILE', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_AUTHOR_DATE', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_DATE'];

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
 * while creating it), so a long `dir` is replaced by a fresh private folder made
 * with mkdtemp (a random name, never one another user could have made first).
 * A folder that is not ours alone (another owner, a link, group or other access)
 * is never used: connections are then not shared.
 */
export function shareSshConnections(dir: string | null): void {
  if (!dir) {
    sshControlDir = null;
    return;
  }
  let chosen = dir;
  if (/\s/.test(chosen) || path.join(chosen, 'ssh-').length + 40 + 17 >= 108) {
    chosen = mkdtempSync(path.join(os.tmpdir(), 'converge-ssh-'));
    madeControlDir = chosen;
  } else {
    mkdirSync(chosen, { recursive: true, mode: 0o700 });
    const st = lstatSync(chosen);
    if (st.isDirectory() && st.uid === process.geteuid?.()) chmodSync(chosen, 0o700);
  }
  sshControlDir = privateToUs(chosen) ? chosen : null;
}

let madeControlDir: string | null = null;

/** True for a real directory owned by this process's user that nobody else can enter. */
function privateToUs(dir: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return false;
  if (process.platform === 'win32') return true;
  return st.uid === process.geteuid?.() && (st.mode & 0o077) === 0;
}

/** Close the shared ssh connections (the masters would otherwise linger for ControlPersist after the agent exits). */
export async function closeSshConnections(): Promise<void> {
  const dir = sshControlDir;
  if (!dir) return;
  const { readdir, rm } = await import('node:fs/promises');
  const { execFile } = await import('node:child_process');
  const sockets = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^ssh-[0-9a-f]{40}$/.test(n));
  await Promise.all(
    sockets.map((n) => new Promise<void>((resolve) => execFile('ssh', ['-O', 'exit', '-o', `ControlPath=${path.join(dir, n)}`, 'converge-agent'], { timeout: 5000 }, () => resolve()))),
  );
  if (madeControlDir === dir) await rm(dir, { recursive: true, force: true });
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
    // The agent's config (an operator's file) may name ssh commands and config paths; remoteAccess sets its own credential helper.
    // Reading branches as data configures the upload-pack of local remotes (to allow partial fetches from them).
    unsafe: { allowUnsafeSshCommand: true, allowUnsafeConfigPaths: true, allowUnsafePack: true, ...(extraEnv.GIT_CONFIG_COUNT ? { allowUnsafeConfigEnvCount: true, allowUnsafeCredentialHelper: true } : {}) },
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

/** The GIT_CONFIG_* variables remoteAccess sets (one reset of credential.helper, then ours). */
function credentialVariables(): string[] {
  return ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_CONFIG_KEY_1', 'GIT_CONFIG_VALUE_1'];
}

/** A credential helper that answers from the environment git was started with (never from its arguments). */
const HELPER = '!f() { test "$1" = get && printf \'username=%s\\npassword=%s\\n\' "$CONVERGE_GIT_USERNAME" "$CONVERGE_GIT_PASSWORD"; }; f';

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i;

/** How git reaches a remote: the URL without credentials, and the environment that gives them to git. */
export interface RemoteAccess {
  url: string;
  env: Record<string, string>;
}

/**
 * Credentials written into a URL (https://user:token@host/…) are taken out of it:
 * git gets the bare URL in its arguments and the login through a credential helper
 * that reads this process's environment, so no `ps`, config file or log line shows
 * them. A URL with no password (ssh://git@host/…) is left as it is.
 */
export function remoteAccess(url: string): RemoteAccess {
  const m = USERINFO.exec(url);
  const colon = m ? m[2]!.indexOf(':') : -1;
  if (!m || colon < 0) return { url, env: {} };
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    url: m[1]! + url.slice(m[0].length),
    env: {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'credential.helper',
      GIT_CONFIG_VALUE_1: HELPER,
      CONVERGE_GIT_USERNAME: decode(m[2]!.slice(0, colon)),
      CONVERGE_GIT_PASSWORD: decode(m[2]!.slice(colon + 1)),
    },
  };
}

/** The password (token) written in a URL, raw and decoded, for the scrubber. */
export function urlSecrets(url: string): string[] {
  const password = remoteAccess(url).env.CONVERGE_GIT_PASSWORD;
  if (!password) return [];
  const raw = USERINFO.exec(url)![2]!.split(':').slice(1).join(':');
  return [...new Set([password, raw])];
}

/** A URL for messages: credentials in it (https://user:token@…) are never shown. */
export function safeUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^/@:]*):[^/@]*@/i, '$1$2:***@');
}
