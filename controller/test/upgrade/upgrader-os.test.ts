// The Upgrader on each OS it supports, with the OS passed in: a real install
// prefix in a temp folder (releases, links, upgrade/pending, the guard file),
// a real git clone for the agent ids, and a FAKE runner standing for
// systemctl, launchctl and schtasks (launchd and the Windows service manager
// are not on this machine; systemd runs for real in self-upgrade-nspawn.test.ts).
// It checks the order a crash relies on: release built, pending written, guard
// written, armed, then switched; the confirmation disarming; a switch back read at start.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import type { FakeRunner } from '../helpers/fake-runner.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { OS } from '../../src/platform/os.js';
import { agentId } from '../../src/agent/upgrade/agent-id.js';
import { Upgrader } from '../../src/agent/upgrade/upgrader.js';
import { agentPlistObject } from '../../src/platform/agent-service/launchd.js';
import { winswXml } from '../../src/platform/agent-service/winsw.js';

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

/** Two commits that build different agents, the release of the first installed and running, the second's built already. */
async function install(os: OS) {
  const base = tempDir();
  const prefix = path.join(base, 'opt', 'converge');
  const clone = path.join(base, 'clone');
  mkdirSync(clone, { recursive: true });
  git(clone, 'init', '-q', '-b', 'main');
  const commit = (version: string) => {
    writeFileSync(path.join(clone, 'package.json'), `{"name":"converge","version":"${version}"}\n`);
    git(clone, 'add', '-A');
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', version);
    return git(clone, 'rev-parse', 'HEAD');
  };
  const a = commit('1.0.0');
  const b = commit('2.0.0');
  const [idA, idB] = [await agentId(clone, a), await agentId(clone, b)];
  for (const [id, c] of [[idA, a], [idB, b]] as const) {
    const dir = path.join(prefix, 'releases', id);
    mkdirSync(path.join(dir, 'controller/bin'), { recursive: true });
    writeFileSync(path.join(dir, 'release.json'), JSON.stringify({ id, commit: c, prefix, runtime: 'runtime-external' }));
    writeFileSync(path.join(dir, 'controller/bin/converge.js'), `console.log('converge ${id}');\n`);
  }
  mkdirSync(path.join(prefix, 'runtime-external'));
  mkdirSync(path.join(prefix, 'upgrade'));
  // Windows junctions hold absolute targets; the symlinks of Linux and macOS relative ones.
  const link = (target: string) => (os === 'windows' ? path.join(prefix, target) : target);
  symlinkSync(link(`releases/${idA}`), path.join(prefix, 'agent'));
  symlinkSync(link('runtime-external'), path.join(prefix, 'runtime'));
  const sandbox = path.join(base, 'root');
  const events: string[] = [];
  const agentLink = () => path.relative(prefix, path.resolve(prefix, readlinkSync(path.join(prefix, 'agent'))));
  const state = () => [existsSync(path.join(prefix, 'upgrade/pending')) ? 'pending' : 'no-pending', existsSync(path.join(prefix, 'upgrade', os === 'windows' ? 'guard.ps1' : 'guard.sh')) ? 'guard' : 'no-guard', agentLink()].join(',');
  const answer = (file: string) => (args: string[]) => {
    events.push(`${file} ${args.slice(0, 2).join(' ')} [${state()}]`);
    return { exitCode: 0 };
  };
  const runner = fakeRunner(os, {}, Object.fromEntries(['systemctl', 'systemd-run', 'launchctl', 'schtasks'].map((f) => [f, answer(f)])));
  const open = (id: string, r: FakeRunner = runner) => Upgrader.open({ enabled: true, deadlineMs: 600_000, repo: 'file:///nowhere' }, clone, silentLogger(), path.join(prefix, 'releases', id), os, r, sandbox)!;
  return { prefix, clone, a, b, idA, idB, runner, events, open, agentLink, sandbox };
}

const ARM: Record<OS, string[]> = {
  linux: ['systemctl stop converge-upgrade-guard.timer', 'systemctl reset-failed converge-upgrade-guard.timer', 'systemd-run --unit=converge-upgrade-guard --on-active=600s'],
  macos: ['launchctl bootout system/dev.converge.upgrade-guard', 'launchctl bootstrap system'],
  windows: ['schtasks /create /f', 'schtasks /create /f'],
};
const DISARM: Record<OS, string[]> = {
  linux: ['systemctl stop converge-upgrade-guard.timer', 'systemctl reset-failed converge-upgrade-guard.timer'],
  macos: ['launchctl bootout system/dev.converge.upgrade-guard'],
  windows: ['schtasks /delete /f', 'schtasks /delete /f'],
};

describe.each(['linux', 'macos', 'windows'] as const)('the Upgrader on %s', (os) => {
  it('writes pending and the guard, arms it, and only then switches the agent link', async () => {
    const t = await install(os);
    const up = t.open(t.idA);
    expect(await up.changesAgent(t.b)).toBe(true);
    await up.upgrade(t.b);
    // every arm command saw pending and the guard in place, and the link still on the old release
    expect(t.events).toEqual(ARM[os].map((c) => `${c} [pending,guard,releases/${t.idA}]`));
    expect(t.agentLink()).toBe(`releases/${t.idB}`);
    const pending = JSON.parse(readFileSync(path.join(t.prefix, 'upgrade/pending'), 'utf8')) as Record<string, string>;
    expect(pending).toMatchObject({ commit: t.b, from: `releases/${t.idA}`, to: `releases/${t.idB}`, fromRuntime: 'runtime-external', toRuntime: 'runtime-external' });
    if (os === 'windows') {
      const ps1 = readFileSync(path.join(t.prefix, 'upgrade/guard.ps1'), 'utf8');
      expect(ps1).toContain(`$To = 'releases/${t.idB}'`);
      expect(ps1).toMatch(/converge-agent\.exe' restart/);
      // the tasks run that script, at the deadline and at boot
      const tasks = t.runner.runs.map((r) => r.args.join(' '));
      expect(tasks[0]).toMatch(/\/sc once .*guard\.ps1" timer/);
      expect(tasks[1]).toMatch(/\/sc onstart .*guard\.ps1" boot/);
    } else {
      const sh = readFileSync(path.join(t.prefix, 'upgrade/guard.sh'), 'utf8');
      expect(sh).toContain(os === 'macos' ? 'launchctl kickstart -k system/' : 'systemctl restart --no-block converge-agent.service');
      expect(sh).toContain(os === 'macos' ? 'mv -h' : 'mv -T');
    }
    if (os === 'macos') expect(readFileSync(path.join(t.sandbox, 'Library/LaunchDaemons/dev.converge.upgrade-guard.plist'), 'utf8')).toContain(`${t.prefix}/upgrade/guard.sh' timer`);

    // the new agent: confirms once the commit is applied, which disarms the guard
    t.events.length = 0;
    const next = t.open(t.idB);
    expect(await next.start(t.a)).toEqual({});
    expect(next.confirmingCommit()).toBe(t.b);
    expect(t.events).toEqual([]);
    await next.applied(t.b);
    expect(existsSync(path.join(t.prefix, 'upgrade/pending'))).toBe(false);
    expect(t.events.map((e) => e.replace(/ \[.*$/, ''))).toEqual(DISARM[os]);
    if (os === 'macos') expect(existsSync(path.join(t.sandbox, 'Library/LaunchDaemons/dev.converge.upgrade-guard.plist'))).toBe(false);
    expect(t.agentLink()).toBe(`releases/${t.idB}`);
  });

  it('switches nothing when the guard cannot be armed', async () => {
    const t = await install(os);
    const failing = { linux: 'systemd-run', macos: 'launchctl', windows: 'schtasks' }[os];
    t.runner.programs[failing] = (args) => (os === 'macos' && args[0] === 'bootout' ? { exitCode: 3 } : { exitCode: 1, stderr: 'refused' });
    await expect(t.open(t.idA).upgrade(t.b)).rejects.toThrow(/failed \(exit 1\)/);
    expect(t.agentLink()).toBe(`releases/${t.idA}`);
    expect(existsSync(path.join(t.prefix, 'upgrade/pending'))).toBe(false);
  });

  it('reads a switch back at start, and retries an upgrade that never switched', async () => {
    const t = await install(os);
    writeFileSync(path.join(t.prefix, 'upgrade/rolled-back'), `${t.b}\nthe new agent did not report the commit applied by the deadline\n`);
    writeFileSync(path.join(t.prefix, 'upgrade/pending'), JSON.stringify({ commit: t.b, from: `releases/${t.idA}`, to: `releases/${t.idB}`, fromRuntime: 'runtime-external', toRuntime: 'runtime-external', deadline: new Date().toISOString(), startedAt: new Date().toISOString() }));
    const up = t.open(t.idA);
    expect(await up.start(t.a)).toEqual({ rolledBack: { commit: t.b, why: 'the new agent did not report the commit applied by the deadline' } });
    // the link still on the old release: the switch never happened, so pending goes and the guard is disarmed
    expect(existsSync(path.join(t.prefix, 'upgrade/pending'))).toBe(false);
    expect(t.events.map((e) => e.replace(/ \[.*$/, ''))).toEqual(DISARM[os]);
  });
});

describe('exit code 75 starts the agent again', () => {
  const c = { node: '/opt/converge/runtime/bin/node', entry: '/opt/converge/agent/controller/bin/converge.js', config: '/etc/converge/config.yml' };
  it('launchd keeps the agent alive whatever its exit code', () => {
    expect(agentPlistObject(c).KeepAlive).toBe(true);
  });
  it('WinSW restarts it on any failure (a non-zero exit)', () => {
    expect(winswXml(c)).toMatch(/<onfailure action="restart" delay="10 sec"\/>/);
  });
});
