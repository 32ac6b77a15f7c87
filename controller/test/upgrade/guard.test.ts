// The upgrade guard for real: the sh script the old agent writes, run with
// /bin/sh against a real install prefix in a temp folder (links, pending,
// starts), checked by shellcheck; the decisions an agent takes at start.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, runs } from '../helpers/components.js';
import { guardScript } from '../../src/agent/upgrade/guard-sh.js';
import { reconcile } from '../../src/agent/upgrade/reconcile.js';
import type { Pending } from '../../src/agent/upgrade/pending.js';
import { systemdArm } from '../../src/agent/upgrade/guard-systemd.js';
import { layout } from '../../src/agent/upgrade/release.js';
import { systemdUnit } from '../../src/platform/agent-service/systemd.js';
import { describeStep } from '../../src/platform/agent-service/steps.js';
import { LAUNCHD_MV, LAUNCHD_RESTART, launchdArm, launchdGuardPlist } from '../../src/agent/upgrade/guard-launchd.js';
import { parsePlist } from '../../src/resources/launchd/plist-build.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { windowsArm, windowsDisarm, windowsGuardScript } from '../../src/agent/upgrade/guard-windows.js';

const COMMIT = 'c0ffee0123456789c0ffee0123456789c0ffee01';

function install(deadline = Math.floor(Date.now() / 1000) + 600) {
  const prefix = path.join(tempDir(), 'opt converge'); // a space: every value is quoted
  for (const d of ['releases/aaaaaaaaaaaa', 'releases/bbbbbbbbbbbb', 'runtimes/node-v24', 'runtime-external', 'upgrade']) mkdirSync(path.join(prefix, d), { recursive: true });
  symlinkSync('releases/bbbbbbbbbbbb', path.join(prefix, 'agent'));
  symlinkSync('runtimes/node-v24', path.join(prefix, 'runtime'));
  const restarted = path.join(prefix, 'restarted');
  const script = guardScript({ prefix, from: 'releases/aaaaaaaaaaaa', to: 'releases/bbbbbbbbbbbb', fromRuntime: 'runtime-external', toRuntime: 'runtimes/node-v24', commit: COMMIT, deadline, maxStarts: 3, restart: [`echo restarted >> '${restarted}'`], mvNoFollow: 'mv -T' });
  writeFileSync(path.join(prefix, 'upgrade/guard.sh'), script);
  writeFileSync(path.join(prefix, 'upgrade/pending'), JSON.stringify({ commit: COMMIT }));
  const guard = (mode: string) => spawnSync('/bin/sh', [path.join(prefix, 'upgrade/guard.sh'), mode], { encoding: 'utf8' });
  return { prefix, guard, script, restarted, link: (l: string) => readlinkSync(path.join(prefix, l)) };
}

describeWith(runs('shellcheck', ['--version']))('the guard script', () => {
  it('passes shellcheck', () => {
    const { prefix } = install();
    const r = spawnSync('shellcheck', ['-s', 'sh', path.join(prefix, 'upgrade/guard.sh')], { encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
  });
});

describe('the guard at start (ExecStartPre)', () => {
  it('lets the new release start three times, then switches both links back before the fourth and writes why', () => {
    const g = install();
    for (let i = 0; i < 3; i++) expect(g.guard('start').status).toBe(0);
    expect(g.link('agent')).toBe('releases/bbbbbbbbbbbb');
    const fourth = g.guard('start');
    expect(fourth.status).toBe(0);
    expect(g.link('agent')).toBe('releases/aaaaaaaaaaaa');
    expect(g.link('runtime')).toBe('runtime-external');
    expect(readFileSync(path.join(g.prefix, 'upgrade/rolled-back'), 'utf8')).toBe(`${COMMIT}\nthe new agent started 3 times without reporting the commit applied\n`);
    expect(existsSync(path.join(g.prefix, 'upgrade/pending'))).toBe(false);
    // Start mode restarts nothing: the unit goes on to ExecStart, which now runs the previous release.
    expect(existsSync(g.restarted)).toBe(false);
  });

  it('switches back at a start after the deadline (a reboot lost the timer)', () => {
    const g = install(Math.floor(Date.now() / 1000) - 1);
    g.guard('start');
    expect(g.link('agent')).toBe('releases/aaaaaaaaaaaa');
    expect(readFileSync(path.join(g.prefix, 'upgrade/rolled-back'), 'utf8')).toContain('did not report the commit applied by the deadline');
  });

  it('does nothing once the new agent confirmed (pending gone), or for another upgrade', () => {
    const g = install();
    writeFileSync(path.join(g.prefix, 'upgrade/pending'), JSON.stringify({ commit: 'another' }));
    for (let i = 0; i < 5; i++) g.guard('start');
    expect(g.link('agent')).toBe('releases/bbbbbbbbbbbb');
    g.guard('timer');
    expect(g.link('agent')).toBe('releases/bbbbbbbbbbbb');
    expect(existsSync(path.join(g.prefix, 'upgrade/rolled-back'))).toBe(false);
  });

  it('only clears when the links never switched (the old agent died before the switch)', () => {
    const g = install();
    spawnSync('ln', ['-sfn', 'releases/aaaaaaaaaaaa', path.join(g.prefix, 'agent')]);
    g.guard('timer');
    expect(existsSync(path.join(g.prefix, 'upgrade/pending'))).toBe(false);
    expect(existsSync(path.join(g.prefix, 'upgrade/rolled-back'))).toBe(false);
    expect(existsSync(g.restarted)).toBe(false);
  });
});

describe('the guard at the deadline (timer)', () => {
  it('switches back and restarts the agent', () => {
    const g = install();
    expect(g.guard('timer').status).toBe(0);
    expect(g.link('agent')).toBe('releases/aaaaaaaaaaaa');
    expect(readFileSync(g.restarted, 'utf8')).toBe('restarted\n');
    expect(readFileSync(path.join(g.prefix, 'upgrade/rolled-back'), 'utf8').split('\n')[0]).toBe(COMMIT);
  });

  it('refuses values it would have to interpret', () => {
    expect(() => guardScript({ prefix: '/opt/converge', from: 'releases/a; rm -rf /', to: 'releases/b', fromRuntime: 'x', toRuntime: 'x', commit: COMMIT, deadline: 0, maxStarts: 3, restart: [], mvNoFollow: 'mv -T' })).toThrow(/not a plain relative path/);
    const { script, prefix } = install();
    expect(script).toContain(`P='${prefix}'\n`);
  });
});

describe('systemd pieces', () => {
  it('arms a transient timer at the deadline and the unit runs the guard before each start', () => {
    const l = layout('/opt/converge');
    expect(systemdArm(l, 600).at(-1)).toEqual(['systemd-run', '--unit=converge-upgrade-guard', '--on-active=600s', '--timer-property=AccuracySec=1s', '--description=converge: switch the agent back unless its upgrade is confirmed', '/bin/sh', '/opt/converge/upgrade/guard.sh', 'timer']);
    const unit = systemdUnit({ node: '/opt/converge/runtime/bin/node', entry: '/opt/converge/agent/controller/bin/converge.js', config: '/etc/converge/config.yml' });
    expect(unit).toContain(`ExecStartPre=-/bin/sh -c "[ ! -f '/opt/converge/upgrade/guard.sh' ] || exec /bin/sh '/opt/converge/upgrade/guard.sh' start"`);
    // An agent not installed by a bootstrap script has no guard line.
    expect(systemdUnit({ node: '/usr/bin/node', entry: '/srv/converge/bin/converge.js', config: '/etc/c.yml' })).not.toContain('ExecStartPre');
  });
});

describe('reconcile at start', () => {
  const p: Pending = { commit: COMMIT, from: 'releases/aaaaaaaaaaaa', to: 'releases/bbbbbbbbbbbb', fromRuntime: 'runtime-external', toRuntime: 'runtime-external', deadline: '', startedAt: '' };
  it('decides from the links which side of the switch the agent died on', () => {
    expect(reconcile(null, 'releases/aaaaaaaaaaaa', 'releases/aaaaaaaaaaaa', null).kind).toBe('none');
    expect(reconcile(p, 'releases/aaaaaaaaaaaa', 'releases/aaaaaaaaaaaa', 'old').kind).toBe('retry');
    expect(reconcile(p, 'releases/bbbbbbbbbbbb', 'releases/bbbbbbbbbbbb', 'old').kind).toBe('confirm-after-apply');
    expect(reconcile(p, 'releases/bbbbbbbbbbbb', 'releases/bbbbbbbbbbbb', COMMIT).kind).toBe('confirm-now');
    expect(reconcile(p, 'releases/bbbbbbbbbbbb', 'releases/aaaaaaaaaaaa', 'old').kind).toBe('leave');
  });
});

describe('the guard on macOS (a plan: no launchd here)', () => {
  it('a LaunchDaemon at the deadline runs guard.sh timer and unloads itself; arming replaces an earlier one', () => {
    const l = layout('/usr/local/converge');
    const deadline = new Date(2026, 11, 2, 4, 30, 20);
    const text = launchdGuardPlist(l, deadline);
    const o = parsePlist(text) as Record<string, unknown>;
    expect(o.Label).toBe('dev.converge.upgrade-guard');
    // launchd fires on whole minutes: the first one at or after the deadline.
    expect(o.StartCalendarInterval).toEqual({ Month: 12, Day: 2, Hour: 4, Minute: 31 });
    expect(o.ProgramArguments).toEqual(['/bin/sh', '-c', "/bin/sh '/usr/local/converge/upgrade/guard.sh' timer; launchctl bootout system/dev.converge.upgrade-guard"]);
    expect(launchdArm(l, deadline).map(describeStep)).toEqual([
      'run: launchctl bootout system/dev.converge.upgrade-guard  # stop an earlier upgrade guard, if loaded',
      'remove /Library/LaunchDaemons/dev.converge.upgrade-guard.plist',
      'write /Library/LaunchDaemons/dev.converge.upgrade-guard.plist (mode 0644)',
      'run: launchctl bootstrap system /Library/LaunchDaemons/dev.converge.upgrade-guard.plist  # switch the agent back at the deadline unless its upgrade is confirmed',
    ]);
    const script = guardScript({ prefix: l.prefix, from: 'releases/aaaaaaaaaaaa', to: 'releases/bbbbbbbbbbbb', fromRuntime: 'runtimes/a', toRuntime: 'runtimes/b', commit: COMMIT, deadline: deadline.getTime() / 1000, maxStarts: 3, restart: LAUNCHD_RESTART, mvNoFollow: LAUNCHD_MV });
    expect(script).toContain('ln -sfn "$1" "$2.guard-new" && mv -h "$2.guard-new" "$2"');
    expect(script).toContain('launchctl kickstart -k system/dev.converge.agent');
  });

  describeWith(runs('xmllint', ['--version']))('checked by xmllint', () => {
    it("is valid against Apple's plist DTD", () => {
      const file = path.join(tempDir(), 'guard.plist');
      writeFileSync(file, launchdGuardPlist(layout('/usr/local/converge'), new Date()));
      const r = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', path.join(PROJECT_ROOT, 'controller/test/fixtures/macos/PropertyList-1.0.dtd'), file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });
  });
});

describe('the guard on Windows (a plan: no Windows here)', () => {
  const l = layout('C:/ProgramData/converge');
  it('guard.ps1 is valid PowerShell with the values quoted, and refuses values it would interpret', async () => {
    const script = windowsGuardScript({ prefix: "C:\\ProgramData\\it's converge", from: 'releases\\aaaaaaaaaaaa', to: 'releases\\bbbbbbbbbbbb', fromRuntime: 'runtimes\\node-v24', toRuntime: 'runtimes\\node-v24', commit: COMMIT, deadline: new Date(1_800_000_000_000), serviceExe: 'C:\\ProgramData\\converge\\service\\converge-agent.exe' });
    expect(await powershellSyntaxErrors(script)).toEqual([]);
    expect(script).toContain("$P = 'C:\\ProgramData\\it''s converge'");
    expect(script).toContain('$Deadline = [DateTimeOffset]::FromUnixTimeSeconds(1800000000)');
    expect(() => windowsGuardScript({ prefix: 'C:/x', from: "releases/a'; Remove-Item C:/ -Recurse; '", to: 'releases/b', fromRuntime: 'x', toRuntime: 'x', commit: COMMIT, deadline: new Date(), serviceExe: 'x' })).toThrow(/not a plain relative path/);
  });

  it('arms a one-time task at the deadline and a boot task, replaced by the next upgrade', () => {
    const arm = windowsArm(l, new Date(2026, 11, 2, 4, 30, 20));
    expect(arm[0]).toEqual(['schtasks', '/create', '/f', '/tn', 'converge-upgrade-guard', '/sc', 'once', '/sd', '12/02/2026', '/st', '04:31', '/ru', 'SYSTEM', '/rl', 'HIGHEST', '/tr', 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "C:/ProgramData/converge/upgrade/guard.ps1" timer']);
    expect(arm[1]).toContain('onstart');
    expect(windowsDisarm()).toEqual([
      ['schtasks', '/delete', '/f', '/tn', 'converge-upgrade-guard'],
      ['schtasks', '/delete', '/f', '/tn', 'converge-upgrade-guard-boot'],
    ]);
  });
});
