// The promise, one cycle at a time (`converge agent --once`, as cron runs
// it): merge a signed commit → the host converges → a status commit says so;
// a cycle that finds nothing new commits nothing; `converge status` shows it.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { converge, CONVERGE_BIN } from '../helpers/cli.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { greeting, smallFleet } from './support/fleet-files.js';

function setup() {
  const dir = tempDir();
  const key = sshKey(dir, 'alice');
  const signers = allowedSigners(path.join(dir, 'allowed_signers'), [key]);
  const origin = createOrigin(dir, smallFleet(), key);
  const agent = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: signers });
  return { dir, key, origin, ...agent };
}

describe('converge agent --once', () => {
  it('converges a signed commit, commits its status, and stays quiet when nothing is new', () => {
    const { origin, config, root, stateDir } = setup();
    const first = agentOnce(config);
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`web: applied ${c1.slice(0, 7)} (3 changed)`);
    expect(first.stdout).toContain('status: pushed 1 report to status');
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = hello\nhost = web\n');

    // The status branch: one commit, the event as its message, written by converge, only under state/web/.
    expect(origin.statusLog()).toEqual([`web: applied ${c1.slice(0, 7)} (3 changed)`]);
    expect(git(origin.bare, 'log', '-1', '--format=%an <%ae>', 'status').trim()).toBe('converge <converge@web>');
    expect(git(origin.bare, 'ls-tree', '-r', '--name-only', 'status')).toBe('state/web/STATUS.md\nstate/web/status.json\n');
    const status = origin.statusOf('web');
    expect(status).toMatchObject({ version: 1, host: 'web', result: 'changed', commit: c1, applied: c1, branch: 'main', reason: 'once', mode: 'apply' });
    expect(status.summary).toMatchObject({ total: 3, changed: 3, failed: 0 });
    expect(status.signer).toContain('alice@example.invalid');
    expect((status.resources as { id: string }[]).map((r) => r.id)).toEqual(['directory:/etc/app', 'file:/etc/app/motd', 'file:/etc/app/app.conf']);

    // The clone in the state directory holds only what this host reads.
    expect(existsSync(path.join(stateDir, 'fleet/hosts/web/app.yml'))).toBe(true);
    expect(existsSync(path.join(stateDir, 'fleet/hosts/_roles/base/base.yml'))).toBe(true);
    expect(existsSync(path.join(stateDir, 'fleet/hosts/db'))).toBe(false);
    expect(existsSync(path.join(stateDir, 'fleet/README.md'))).toBe(false);

    // Nothing new: no commit.
    const quiet = agentOnce(config);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(origin.statusLog()).toHaveLength(1);

    // Merge a change: it is applied and reported with its diff.
    const c2 = origin.commit(greeting('bonjour'), { message: 'web: say bonjour' });
    const second = agentOnce(config);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(origin.statusLog()[0]).toBe(`web: applied ${c2.slice(0, 7)} (1 changed)`);
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = bonjour\nhost = web\n');
    const md = origin.statusFile('state/web/STATUS.md');
    expect(md).toContain('# web: changed');
    expect(md).toContain('`file:/etc/app/app.conf` (hosts/web/app.yml:2:5)');
    expect(md).toContain('-greeting = hello');
    expect(md).toContain('+greeting = bonjour');

    // converge status reads the fleet from the status branch.
    const shown = converge(['status', '--config', config]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    // This fleet declares no agentKey for web: the report is shown, as unverified.
    expect(shown.stdout).toMatch(new RegExp(`^web +UNVERIFIED +\\S+ s ago +${c2.slice(0, 7)} +0 +changed +web: applied ${c2.slice(0, 7)} \\(1 changed\\)$`, 'm'));
    expect(shown.stdout).toContain("web: unverified — hosts/web/host.yml declares no agentKey; not taken as web's own report");
    const json = JSON.parse(converge(['status', '--config', config, '--json']).stdout) as { head: string; hosts: Record<string, unknown>[] };
    expect(json.head).toBe(c2);
    expect(json.hosts).toEqual([expect.objectContaining({ host: 'web', applied: c2, behind: 0, result: 'changed', stale: false, drifted: [], failed: [] })]);
  });

  it('commits a heartbeat when nothing happened for the heartbeat period', async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const { config } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]), extra: { heartbeat: '1s' } });
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();
    expect(agentOnce(config).exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const beat = agentOnce(config);
    expect(beat.exitCode, beat.stderr).toBe(0);
    expect(origin.statusLog()).toEqual([`web: heartbeat (converged at ${c1.slice(0, 7)})`, `web: applied ${c1.slice(0, 7)} (3 changed)`]);
    expect(origin.statusOf('web')).toMatchObject({ reason: 'heartbeat', result: 'converged', agent: { heartbeat: '1s' } });
  });

  it('SIGTERM while the status push keeps losing races: gives the push 10 s, keeps the report queued and exits', async () => {
    const { origin, config } = setup();
    // Every push to the status branch loses, as if other hosts always pushed first.
    const hook = path.join(origin.bare, 'hooks/pre-receive');
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/status ] && { echo "! [rejected] (fetch first)" >&2; exit 1; }; done\nexit 0\n');
    chmodSync(hook, 0o755);
    const child = spawn(process.execPath, [CONVERGE_BIN, 'agent', '--once', '--config', config, '--log-level', 'silent'], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('web: applied')) setTimeout(() => child.kill('SIGTERM'), 500);
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(code).toBe(0);
    expect(stdout).toMatch(/status: 1 report queued, not pushed: the status branch status kept moving/);
  }, 60_000);

  it('refuses a config with a typo, naming file:line, and one without a way to trust commits', () => {
    const { dir, config } = setup();
    writeFileSync(config, readFileSync(config, 'utf8').replace('poll: 1s', 'pol: 1s'));
    const typo = agentOnce(config);
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toMatch(new RegExp(`${config.replace(/[.]/g, '\\.')}:5:1: .*pol`));

    const untrusting = path.join(dir, 'untrusting.yml');
    writeFileSync(untrusting, `host: web\nrepo: file:///nowhere\nstateDir: ${dir}/s\n`);
    const refused = agentOnce(untrusting);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('trust: set allowedSigners (SSH) or gpgKeyring (GPG)');
  });
});
