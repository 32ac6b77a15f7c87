// converge demo: the whole loop on the example fleet, in a temp folder, with
// no root and no network. A local origin is built from this repository's
// hosts/ (commits signed with a throwaway SSH key), the real agent runs for
// one host against a sandbox root and pushes its status commits; then a
// merge, a change by hand and an unsigned commit each show up as a commit on
// the status branch. Ends with `git log status` and `converge status`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { parse as parseYaml } from 'yaml';
import { Printer } from './output.js';
import { fleetLines } from './status.js';
import { readFleetStatus } from '../report/status-read.js';
import { gitAt } from '../source/git.js';
import { createRunner } from '../platform/runner.js';
import { installRoot } from '../platform/install-root.js';
import { ConvergeError } from '../platform/errors.js';
import { copyWithin } from '../platform/copy-within.js';

export interface DemoFlags {
  repo?: string;
  host: string;
  keep?: boolean;
}

/** The example fleet shipped with converge (this checkout's hosts/). */
export function exampleFleet(): string {
  return installRoot();
}

const WAIT_MS = 40_000;
const WHO = { GIT_AUTHOR_NAME: 'Demo Operator', GIT_AUTHOR_EMAIL: 'operator@example.invalid', GIT_COMMITTER_NAME: 'Demo Operator', GIT_COMMITTER_EMAIL: 'operator@example.invalid' };

export async function demoCommand(flags: DemoFlags): Promise<number> {
  const out = new Printer();
  const source = flags.repo ? path.resolve(flags.repo) : exampleFleet();
  const host = flags.host;
  if (!existsSync(path.join(source, 'hosts', host, 'host.yml'))) throw new ConvergeError('not-found', `no host ${host} in ${source}/hosts`);
  const sandbox = await mkdtemp(path.join(os.tmpdir(), 'converge-demo-'));
  const dir = {
    origin: path.join(sandbox, 'origin.git'),
    work: path.join(sandbox, 'fleet'),
    root: path.join(sandbox, 'root'),
    state: path.join(sandbox, 'state'),
    key: path.join(sandbox, 'signing-key'),
    deviceKey: path.join(sandbox, 'device-key'),
    signers: path.join(sandbox, 'allowed_signers'),
    config: path.join(sandbox, 'config.yml'),
    log: path.join(sandbox, 'agent.log'),
  };
  const started = Date.now();
  const step = (n: number, text: string) => out.line('\n' + out.style(`── ${n}. ${text}`, 'bold', 'cyan'));
  let agent: ChildProcess | null = null;
  try {
    out.line(out.style(`converge demo: host ${host}; everything happens under ${sandbox}`, 'bold'));

    step(1, 'a fleet repository with signed commits');
    await makeKey(dir.key, dir.signers);
    await makeDeviceKey(dir.deviceKey);
    await makeOrigin(source, dir, host);
    out.line(`origin ${dir.origin}: ${flags.repo ? `the fleet in ${source}` : 'the example fleet'}, signed by a throwaway SSH key (${path.basename(dir.signers)} trusts it)`);
    out.line(`${host}'s own key (${path.basename(dir.deviceKey)}, as bootstrap makes it) is declared as agentKey: in hosts/${host}/host.yml: it signs ${host}'s status reports`);

    await writeConfig(source, host, dir);
    step(2, `converge plan --host ${host} — what the first converge will do (diffs left out here)`);
    for (const line of await planOutline(dir)) out.line(line);

    step(3, `the agent for ${host} starts, converges the sandbox root and reports`);
    out.line(out.style(`converge agent --config ${dir.config}`, 'dim'));
    agent = startAgent(dir.config, dir.log);
    const wait = (count: number, what: string) => waitForStatus(dir.origin, count, what, agent!, dir.log);
    out.line(`  ${await wait(1, 'the first status commit')}`);

    step(4, 'a merge: a new file for the host, signed');
    const hostOs = (parseYaml(await readFile(path.join(dir.work, 'hosts', host, 'host.yml'), 'utf8')) as { os?: string }).os ?? 'linux';
    const motd = hostOs === 'windows' ? 'C:/ProgramData/converge/demo-motd.txt' : '/etc/motd';
    await writeFile(path.join(dir.work, 'hosts', host, 'demo-motd.yml'), `resources:\n  - file: ${motd}\n    content: "{{ host.name }} is managed by converge\\n"\n`);
    await commit(dir, 'demo: a motd for the host', true);
    out.line(`  ${await wait(2, 'the merge to be applied')}`);

    step(5, 'someone changes a managed file by hand');
    const victim = await pickManagedFile(dir.root, motd, hostOs);
    await appendFile(victim.local, '# quick fix, will remember to commit it\n');
    out.line(`appended a line to ${victim.hostPath}`);
    out.line(`  ${await wait(3, 'the drift commit')}`);
    const healed = (await readFile(victim.local, 'utf8')).includes('quick fix') ? 'still changed' : 'back as the repository says';
    out.line(`${victim.hostPath} is ${healed}`);

    step(6, 'an unsigned commit is pushed to the branch');
    await writeFile(path.join(dir.work, 'hosts', host, 'demo-motd.yml'), `resources:\n  - file: ${motd}\n    content: "not signed, not applied\\n"\n`);
    await commit(dir, 'demo: an unsigned change', false);
    out.line(`  ${await wait(4, 'the rejection')}`);

    agent.kill('SIGTERM');
    await new Promise((r) => agent!.once('exit', r));
    agent = null;

    step(7, 'git log status — the fleet\'s history');
    const log = await gitAt(dir.origin).raw(['log', '--format=%h %ad  %s', '--date=format:%H:%M:%S', 'status']);
    for (const line of log.trim().split('\n')) out.line(line);

    step(8, 'converge status');
    const fleet = await readFleetStatus({ url: `file://${dir.origin}`, branch: 'main', statusBranch: 'status' });
    for (const line of fleetLines(fleet, out.style.bind(out))) out.line(line);

    out.line('');
    out.line(out.style(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s: converged, merge applied, drift healed, unsigned commit rejected.`, 'green', 'bold'));
    if (flags.keep) out.line(`sandbox kept at ${sandbox} (agent log: ${dir.log}; status: git -C ${dir.origin} show status:state/${host}/STATUS.md)`);
    return 0;
  } finally {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    if (!flags.keep) await rm(sandbox, { recursive: true, force: true });
  }
}

interface DemoDirs {
  origin: string;
  work: string;
  root: string;
  state: string;
  key: string;
  deviceKey: string;
  signers: string;
  config: string;
  log: string;
}

async function makeKey(key: string, signers: string): Promise<void> {
  const r = await createRunner('linux').run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'converge-demo', '-f', key]);
  if (r.exitCode !== 0) throw new ConvergeError('unsupported', `the demo signs commits with ssh-keygen, which failed: ${r.stderr.trim() || 'is openssh-client installed?'}`);
  await writeFile(signers, `operator@example.invalid namespaces="git" ${(await readFile(`${key}.pub`, 'utf8')).trim()}\n`);
}

/** The device's own key, as bootstrap makes it (its status commits are signed with it). */
async function makeDeviceKey(key: string): Promise<void> {
  const r = await createRunner('linux').run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'converge-demo-device', '-f', key]);
  if (r.exitCode !== 0) throw new ConvergeError('unsupported', `ssh-keygen failed: ${r.stderr.trim()}`);
}

/** A bare origin and a working clone holding the fleet's hosts/ (and secrets-map.yml, and `host`'s agentKey), one signed commit on main. */
async function makeOrigin(source: string, dir: DemoDirs, host: string): Promise<void> {
  await gitAt(path.dirname(dir.origin)).raw(['init', '--quiet', '--bare', '--initial-branch=main', dir.origin]);
  await mkdir(dir.work, { recursive: true });
  // Plain copies (links inside the fleet followed): the demo writes there, never through a link into the fleet itself.
  const parts = existsSync(path.join(source, 'secrets-map.yml')) ? ['hosts', 'secrets-map.yml'] : ['hosts'];
  copyWithin(source, parts.map((rel) => [rel, path.join(dir.work, rel)] as const), 'the fleet');
  const hostFile = path.join(dir.work, 'hosts', host, 'host.yml');
  const text = await readFile(hostFile, 'utf8');
  if (!/^agentKey:/m.test(text)) {
    const pub = (await readFile(`${dir.deviceKey}.pub`, 'utf8')).trim();
    await writeFile(hostFile, `${text}${text.endsWith('\n') ? '' : '\n'}agentKey: ${pub}\n`);
  }
  const git = gitAt(dir.work, WHO);
  await git.raw(['init', '--quiet', '--initial-branch=main']);
  await git.raw(['remote', 'add', 'origin', dir.origin]);
  await commit(dir, 'the example fleet', true);
}

async function commit(dir: DemoDirs, message: string, signed: boolean): Promise<void> {
  const git = gitAt(dir.work, WHO);
  await git.raw(['add', '-A']);
  const sign = signed ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${dir.key}`, 'commit', '-S'] : ['commit', '--no-gpg-sign'];
  await git.raw([...sign, '--quiet', '-m', message]);
  await git.raw(['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
}

/** The plan of the first converge, one line per resource and the summary. */
async function planOutline(dir: DemoDirs): Promise<string[]> {
  const bin = path.join(installRoot(), 'controller/bin/converge.js');
  const r = await createRunner('linux').run(process.execPath, [bin, 'plan', '--config', dir.config, '--repo', dir.work], { env: { ...process.env, NO_COLOR: '1' } });
  // 0: nothing to change, 2: changes. Anything else (a fleet that does not validate): the agent would only report the same failure.
  if (r.exitCode !== 0 && r.exitCode !== 2) {
    throw new ConvergeError('invalid-input', `the demo stops here: converge plan of this fleet failed (exit ${r.exitCode}):\n${(r.stderr.trim() || r.stdout.trim()).split(dir.work + path.sep).join('')}`);
  }
  const lines = r.stdout.split('\n');
  const items = lines.filter((l) => /^[+~-] /.test(l));
  const shown = items.slice(0, 12);
  const more = items.length > shown.length ? [`  … and ${items.length - shown.length} more`] : [];
  return [...lines.filter((l) => l.startsWith('Plan for')), ...shown, ...more, ...lines.filter((l) => l.startsWith('Plan:'))];
}

async function writeConfig(source: string, host: string, dir: DemoDirs): Promise<void> {
  await seedAccounts(dir.root);
  // The demo's fake secret values, copied with mode 0600 (the file backend refuses a file others can read).
  const own = path.join(source, 'examples', 'demo-secrets.json');
  const shipped = path.join(installRoot(), 'examples', 'demo-secrets.json');
  const found = existsSync(own) ? own : existsSync(shipped) ? shipped : null;
  const secrets = path.join(path.dirname(dir.config), 'demo-secrets.json');
  if (found) {
    await copyFile(found, secrets);
    await chmod(secrets, 0o600);
  }
  const lines = [
    '# written by converge demo',
    `host: ${host}`,
    `repo: file://${dir.origin}`,
    'branch: main',
    'statusBranch: status',
    `stateDir: ${dir.state}`,
    `root: ${dir.root}`,
    `signingKey: ${dir.deviceKey}`,
    'poll: 1s',
    'interval: 15m',
    'selfHeal: true',
    'trust:',
    `  allowedSigners: ${dir.signers}`,
  ];
  if (found) lines.push('secrets:', `  file: ${secrets}`);
  await writeFile(dir.config, lines.join('\n') + '\n');
}

/** The sandbox's own accounts, as a chroot would have them. */
async function seedAccounts(root: string): Promise<void> {
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nmike:x:1000:1000:Mike:/home/mike:/bin/sh\nmdt:x:1001:1001:automation:/home/mdt:/bin/sh\n');
  await writeFile(path.join(root, 'etc/group'), 'root:x:0:\nsudo:x:27:\nmike:x:1000:\nmdt:x:1001:\n');
  // shadow utils (the user type, with --prefix) keep these in step with the two above
  await writeFile(path.join(root, 'etc/shadow'), 'root:*:20000:0:99999:7:::\nmike:!:20000:0:99999:7:::\nmdt:!:20000:0:99999:7:::\n', { mode: 0o640 });
  await writeFile(path.join(root, 'etc/gshadow'), 'root:*::\nsudo:*::\nmike:!::\nmdt:!::\n', { mode: 0o640 });
}

function startAgent(config: string, logFile: string): ChildProcess {
  const bin = path.join(exampleFleet(), 'controller', 'bin', 'converge.js');
  const child = spawn(process.execPath, [bin, 'agent', '--config', config, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  child.stderr!.pipe(createWriteStream(logFile));
  return child;
}

/** Wait until the status branch has `count` commits; the newest one's subject. */
async function waitForStatus(origin: string, count: number, what: string, agent: ChildProcess, logFile: string): Promise<string> {
  const git = gitAt(origin);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const n = Number((await git.raw(['rev-list', '--count', 'status']).catch(() => '0')).trim());
    if (n >= count) return `status commit: ${(await git.raw(['log', '-1', '--format=%s', 'status'])).trim()}`;
    if (agent.exitCode !== null || Date.now() > deadline) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-15).join('\n');
      throw new ConvergeError('internal', `the demo agent did not produce ${what}${agent.exitCode !== null ? ` (it exited with ${agent.exitCode})` : ` within ${WAIT_MS / 1000} s`}; its last log lines:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pickManagedFile(root: string, fallback: string, hostOs: string): Promise<{ local: string; hostPath: string }> {
  for (const hostPath of ['/etc/netdata/netdata.conf', '/etc/samba/smb.conf', fallback]) {
    const local = hostOs === 'windows' && /^[A-Z]:\//.test(hostPath) ? path.join(root, hostPath[0]!, hostPath.slice(3)) : path.join(root, hostPath);
    if (existsSync(local)) return { local, hostPath };
  }
  throw new ConvergeError("not-found", `the demo host manages none of the files the demo edits (${fallback})`);
}
