// What the agent benchmarks share: a signed fleet origin in a temp folder, an
// agent config, the agent as a child process, and readings from /proc.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(PROJECT, 'controller/bin/converge.js');
/** The agent runs as the service runs it: CONVERGE_NODE (default: this node; scripts/device-node.sh prints the device runtime) with controller/runtime.json nodeFlags. */
const AGENT_NODE = process.env.CONVERGE_NODE ?? process.execPath;
const NODE_FLAGS = (JSON.parse(readFileSync(path.join(PROJECT, 'controller/runtime.json'), 'utf8')) as { nodeFlags: string[] }).nodeFlags;
const ENV = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid', GIT_CONFIG_NOSYSTEM: '1' };

/** A fresh temp folder. */
export function scratch(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 2 ** 20 });
}

export interface BenchOrigin {
  bare: string;
  url: string;
  signers: string;
  /** Commit files signed, push to main; the commit. */
  commit(files: Record<string, string>, message?: string): string;
}

/** A bare origin with `files` committed on main, signed by a throwaway SSH key. */
export function signedOrigin(dir: string, files: Record<string, string>): BenchOrigin {
  const key = path.join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', key]);
  const signers = path.join(dir, 'allowed_signers');
  writeFileSync(signers, `bench@example.invalid namespaces="git" ${readFileSync(`${key}.pub`, 'utf8').trim()}\n`);
  const bare = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
  git(dir, 'init', '-q', '-b', 'main', work);
  const commit = (fs: Record<string, string>, message = 'change') => {
    for (const [rel, content] of Object.entries(fs)) {
      mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
      writeFileSync(path.join(work, rel), content);
    }
    git(work, 'add', '-A');
    git(work, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`, 'commit', '-S', '-q', '--allow-empty', '-m', message);
    git(work, 'push', '-q', bare, 'HEAD:refs/heads/main');
    return git(work, 'rev-parse', 'HEAD').trim();
  };
  commit(files, 'initial');
  return { bare, url: `file://${bare}`, signers, commit };
}

/** A host with a few files. */
export function smallHost(name: string, greeting = 'hello'): Record<string, string> {
  return {
    [`hosts/${name}/host.yml`]: `os: linux\nvars:\n  greeting: ${greeting}\n`,
    [`hosts/${name}/files.yml`]: ['resources:', '  - directory: /etc/app', '  - file: /etc/app/app.conf', '    content: "greeting = {{ vars.greeting }}\\n"', '  - file: /etc/app/motd', '    content: "managed\\n"', ''].join('\n'),
  };
}

/** Write an agent config; returns its path. */
export function agentConfig(dir: string, host: string, url: string, signers: string, extra: Record<string, string> = {}): string {
  const file = path.join(dir, `${host}.yml`);
  const lines = [`host: ${host}`, `repo: ${url}`, `stateDir: ${path.join(dir, `state-${host}`)}`, `root: ${path.join(dir, `root-${host}`)}`, 'trust:', `  allowedSigners: ${signers}`];
  for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export interface AgentProcess {
  child: ChildProcess;
  lines(): string[];
  stop(): Promise<void>;
}

/** `converge agent --config FILE`, its log lines collected. */
export function startAgent(config: string, level = 'debug', env: Record<string, string> = {}): AgentProcess {
  const child = spawn(AGENT_NODE, [...NODE_FLAGS, BIN, 'agent', '--config', config, '--log-level', level], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...ENV, ...env } });
  let buffer = '';
  const lines: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  return {
    child,
    lines: () => lines,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Wait until `check` holds. */
export async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** CPU time of a process (self, and its waited-for children such as git), in ms; from /proc/PID/stat. */
export function cpuOf(pid: number): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / clockTicks();
  // fields[0] is field 3 (state): utime=14, stime=15, cutime=16, cstime=17 → indexes 11..14
  return { self: (Number(fields[11]) + Number(fields[12])) * tick, children: (Number(fields[13]) + Number(fields[14])) * tick };
}

let ticks = 0;
function clockTicks(): number {
  return (ticks ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()));
}

/** Resident memory of a process in MB. */
export function rssOf(pid: number): number {
  return memOf(pid).rss;
}

/** Resident memory in MB: total, anonymous (heap, stacks), and file-backed (the node binary and libraries, shared with other node processes). */
export function memOf(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** The status branch commit count of a bare repository. */
export function statusCount(bare: string): number {
  try {
    return Number(git(bare, 'rev-list', '--count', 'status').trim());
  } catch {
    return 0;
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Print the line to run a bench again. */
export function reproduce(script: string, args: string[]): void {
  const node = process.env.CONVERGE_NODE ? 'CONVERGE_NODE=$(scripts/device-node.sh) ' : '';
  console.log(`\nagent: ${[AGENT_NODE, ...NODE_FLAGS].join(' ')}`);
  console.log(`reproduce: npm run build && ${node}npx tsx bench/agent/${script} ${args.join(' ')}`.trimEnd());
}

/** `--name value` from argv, or the default. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
