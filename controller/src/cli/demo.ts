// converge demo: the example fleet in a sandbox — validate, plan, apply, a
// change by hand, the plan that shows it as drift, the apply that heals it.
// Nothing outside a temp folder is touched.
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Printer } from './output.js';
import { validateCommand } from './validate.js';
import { planCommand } from './plan.js';
import { applyCommand } from './apply.js';
import { createRunner } from '../platform/runner.js';
import { ConvergeError } from '../platform/errors.js';
import { installRoot } from '../platform/install-root.js';

export interface DemoFlags {
  repo?: string;
  host: string;
  keep?: boolean;
}

/** The example fleet shipped with converge (this checkout's hosts/). */
export function exampleFleet(): string {
  return installRoot();
}

export async function demoCommand(flags: DemoFlags): Promise<number> {
  const out = new Printer();
  const source = flags.repo ? path.resolve(flags.repo) : exampleFleet();
  if (!existsSync(path.join(source, 'hosts'))) throw new ConvergeError('not-found', `no hosts/ in ${source}`);
  const sandbox = await mkdtemp(path.join(os.tmpdir(), 'converge-demo-'));
  const fleet = path.join(sandbox, 'fleet');
  const root = path.join(sandbox, 'root');
  const step = (n: number, text: string) => out.line('\n' + out.style(`── ${n}. ${text}`, 'bold', 'cyan'));
  try {
    await makeFleetRepo(source, fleet);
    await seedAccounts(root);
    const config = await writeDemoConfig(source, sandbox, { host: flags.host, fleet, root });
    const common = { repo: fleet, host: flags.host, root, config };
    out.line(out.style(`converge demo: host ${flags.host}, fleet ${fleet}, sandbox root ${root}`, 'bold'));
    out.line('secrets: the file backend with examples/demo-secrets.json (fake values), no Azure');

    step(1, 'converge validate — every host of the example fleet');
    if ((await validateCommand({ repo: fleet })) !== 0) return 1;

    step(2, `converge plan --host ${flags.host} --root … — what a first converge would do`);
    await planCommand(common);

    step(3, `converge apply --host ${flags.host} --root …`);
    if ((await applyCommand(common)) !== 0) return 1;

    step(4, 'a second apply changes nothing');
    await applyCommand(common);

    const victim = await pickManagedFile(root);
    step(5, `someone edits ${victim.hostPath} by hand`);
    await writeFile(victim.local, (await readFile(victim.local, 'utf8')) + '# quick fix, will remember to commit it\n');
    out.line(`appended a line to ${victim.hostPath}`);

    step(6, 'converge plan shows it as drift');
    await planCommand(common);

    step(7, 'converge apply heals it');
    await applyCommand(common);

    step(8, 'and the plan is clean again');
    const code = await planCommand(common);
    out.line('');
    out.line(code === 0 ? out.style('demo finished: converged, drift found and healed.', 'green', 'bold') : out.style('demo finished, but the last plan was not clean', 'red'));
    if (flags.keep) out.line(`sandbox kept at ${sandbox}`);
    return code === 0 ? 0 : 1;
  } finally {
    if (!flags.keep) await rm(sandbox, { recursive: true, force: true });
  }
}

/** A git repository with the fleet's hosts/ and secrets-map.yml, committed. */
async function makeFleetRepo(source: string, fleet: string): Promise<void> {
  await mkdir(fleet, { recursive: true });
  await cp(path.join(source, 'hosts'), path.join(fleet, 'hosts'), { recursive: true });
  if (existsSync(path.join(source, 'secrets-map.yml'))) await cp(path.join(source, 'secrets-map.yml'), path.join(fleet, 'secrets-map.yml'));
  const git = createRunner('linux');
  const env = { GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@example.invalid', GIT_COMMITTER_NAME: 'demo', GIT_COMMITTER_EMAIL: 'demo@example.invalid' };
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'example fleet']]) {
    const r = await git.run('git', ['-C', fleet, ...args], { env: { ...process.env, ...env } });
    if (r.exitCode !== 0) throw new ConvergeError('io', `git ${args[0]} failed: ${r.stderr.trim()}`);
  }
}

/**
 * An agent config for the sandbox: its root and state directory, and secrets
 * from the demo's file of fake values (copied with mode 0600: the file backend
 * refuses a file others can read).
 */
async function writeDemoConfig(source: string, sandbox: string, where: { host: string; fleet: string; root: string }): Promise<string> {
  const own = path.join(source, 'examples/demo-secrets.json');
  const secrets = path.join(sandbox, 'demo-secrets.json');
  await copyFile(existsSync(own) ? own : path.join(exampleFleet(), 'examples/demo-secrets.json'), secrets);
  await chmod(secrets, 0o600);
  const config = path.join(sandbox, 'config.yml');
  const q = (s: string) => JSON.stringify(s);
  const stateDir = path.join(where.root, 'var/lib/converge');
  await writeFile(config, `host: ${where.host}\nrepo: ${q(where.fleet)}\nroot: ${q(where.root)}\nstateDir: ${q(stateDir)}\nsecrets:\n  file: ${q(secrets)}\n`);
  return config;
}

/** The sandbox's own accounts, as a chroot would have them. */
async function seedAccounts(root: string): Promise<void> {
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nmike:x:1000:1000:Mike:/home/mike:/bin/sh\nmdt:x:1001:1001:automation:/home/mdt:/bin/sh\n');
  await writeFile(path.join(root, 'etc/group'), 'root:x:0:\nmike:x:1000:\nmdt:x:1001:\n');
}

async function pickManagedFile(root: string): Promise<{ local: string; hostPath: string }> {
  for (const hostPath of ['/etc/netdata/netdata.conf', '/etc/samba/smb.conf']) {
    const local = path.join(root, hostPath);
    if (existsSync(local)) return { local, hostPath };
  }
  throw new ConvergeError('not-found', 'the demo host manages none of the files the demo edits');
}
