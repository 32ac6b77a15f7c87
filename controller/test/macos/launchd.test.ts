// launchd: the plist converge builds (checked against Apple's DTD with
// xmllint), `launchctl print` as a real Mac prints it (captured), and a
// timeline on a macOS host through a FAKE runner that answers like launchd.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LaunchdSpec } from '../../src/resources/launchd/schema.js';
import { parsePlist, plistObject, plistXml, samePlist } from '../../src/resources/launchd/plist-build.js';
import { parseLaunchctlPrint } from '../../src/resources/launchd/launchctl.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/macos');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('launchctl print, as macOS prints it', () => {
  it('reads a running agent: state, pid, path; nested blocks do not count', () => {
    expect(parseLaunchctlPrint(fixture('launchctl-print-agent-running.txt'))).toEqual({
      state: 'running',
      pid: 2204,
      path: '/Users/mike/Library/LaunchAgents/dev.converge.smb-mount.plist',
      lastExitCode: '(never exited)',
      runs: 1,
    });
  });

  it('reads a loaded job that is not running', () => {
    expect(parseLaunchctlPrint(fixture('launchctl-print-agent-interval-exited.txt'))).toMatchObject({ state: 'not running', lastExitCode: '0', runs: 18 });
    expect(parseLaunchctlPrint(fixture('launchctl-print-agent-interval-exited.txt')).pid).toBeUndefined();
  });
});

describe('plists', () => {
  const spec = LaunchdSpec.parse({
    launchd: 'dev.converge.ingest',
    scope: 'agent',
    program: ['/usr/local/converge/bin/converge', 'ingest', '--from', '~/Library/Mobile Documents/com~apple~CloudDocs', '--to', '~/.mkt/space/devices/count-zero/mike/icloud'],
    startInterval: 900,
    runAtLoad: true,
    keepAlive: { successfulExit: false },
    startCalendarInterval: [{ hour: 3, minute: 0 }],
    environment: { LANG: 'en_US.UTF-8' },
    standardOutPath: '~/Library/Logs/converge-ingest.log',
    processType: 'Background',
    extra: { LimitLoadToSessionType: 'Aqua' },
  });

  it('expands ~ to the home of the user, and compares parsed, whatever the key order', () => {
    const o = plistObject(spec, '/Users/mike');
    expect(o.ProgramArguments).toContain('/Users/mike/Library/Mobile Documents/com~apple~CloudDocs');
    expect(o.KeepAlive).toEqual({ SuccessfulExit: false });
    const reordered = Object.fromEntries(Object.entries(o).reverse());
    expect(samePlist(reordered, o)).toBe(true);
    expect(samePlist(parsePlist(plistXml(o)), o)).toBe(true);
    expect(samePlist({ ...o, StartInterval: 60 }, o)).toBe(false);
  });

  describeWith(runs('xmllint', ['--version']))('checked by xmllint', () => {
    beforeAll(() => requireComponent(runs('xmllint', ['--version']), 'xmllint', 'apt-get install libxml2-utils'));
    it("is valid against Apple's plist DTD", () => {
      const file = path.join(tempDir(), 'job.plist');
      writeFileSync(file, plistXml(plistObject(spec, '/Users/mike')));
      const ok = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', path.join(FIXTURES, 'PropertyList-1.0.dtd'), file], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      writeFileSync(file, plistXml(plistObject(spec, '/Users/mike')).replace('<true/>', '<yes/>'));
      expect(spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', path.join(FIXTURES, 'PropertyList-1.0.dtd'), file]).status).not.toBe(0);
    });
  });
});

function macFleet() {
  return createFleet({
    'hosts/mac/host.yml': 'os: macos\nvars:\n  user: mike\n',
    'hosts/mac/jobs.yml': [
      'resources:',
      '  - launchd: dev.converge.sync',
      '    scope: agent',
      '    program: [/usr/local/bin/sync, --quiet]',
      '    startInterval: 900',
      '  - launchd: dev.converge.health',
      '    program: [/usr/local/bin/health]',
      '    keepAlive: true',
      '    throttleInterval: 30',
      '',
    ].join('\n'),
  });
}

/** A FAKE launchd: which targets are loaded, answering `launchctl print` with the captured output shape. */
function fakeLaunchd(options: { loggedIn?: boolean } = {}) {
  const loaded = new Map<string, string>();
  const calls: string[] = [];
  const runner = fakeRunner('macos', {}, {
    id: (args) => (args[1] === 'mike' ? { stdout: '501\n' } : { exitCode: 1, stderr: `id: ${args[1]}: no such user` }),
    launchctl: (args) => {
      calls.push(args.join(' '));
      const [verb, a, b] = args;
      if (verb === 'print') {
        if (a!.startsWith('gui/') && options.loggedIn === false) return { exitCode: 113, stderr: 'Bad request.\nCould not find domain for user gui: 501\n' };
        const plist = loaded.get(a!);
        if (!plist) return { exitCode: 113, stdout: '', stderr: fixture('launchctl-print-not-found.txt') };
        const label = a!.split('/').pop()!;
        return { stdout: fixture('launchctl-print-agent-running.txt').replaceAll('dev.converge.smb-mount', label).replace(/path = .*\.plist/, `path = ${plist}`).replace('gui/501/', `${a!.split('/').slice(0, -1).join('/')}/`) };
      }
      if (verb === 'bootstrap') {
        const label = path.basename(b!, '.plist');
        loaded.set(`${a}/${label}`, b!);
      }
      if (verb === 'bootout') loaded.delete(a!);
      return {};
    },
  });
  return { runner, loaded, calls };
}

describe('launchd jobs on a macOS host', () => {
  it('writes the plists, bootstraps the jobs, and on a change boots out and bootstraps again', async () => {
    const fleet = macFleet();
    const root = tempDir();
    const { runner, loaded, calls } = fakeLaunchd();
    const first = await engineRun(fleet.dir, 'mac', root, runner);
    expect(first.report.summary, first.lines.join('\n')).toMatchObject({ changed: 2, failed: 0 });
    expect([...loaded.keys()].sort()).toEqual(['gui/501/dev.converge.sync', 'system/dev.converge.health']);
    expect(calls).toContain('bootstrap system /Library/LaunchDaemons/dev.converge.health.plist');
    expect(calls).toContain('bootstrap gui/501 /Users/mike/Library/LaunchAgents/dev.converge.sync.plist');
    const daemonPlist = path.join(root, 'Library/LaunchDaemons/dev.converge.health.plist');
    expect(statSync(daemonPlist).mode & 0o777).toBe(0o644);
    expect(statSync(daemonPlist).uid).toBe(0);
    expect(parsePlist(readFileSync(daemonPlist, 'utf8'))).toEqual({ Label: 'dev.converge.health', ProgramArguments: ['/usr/local/bin/health'], KeepAlive: true, ThrottleInterval: 30 });

    expect((await engineRun(fleet.dir, 'mac', root, runner, 'plan')).report.summary.pending).toBe(0);

    // Reformatting by hand is not a change; a different value is.
    writeFileSync(daemonPlist, readFileSync(daemonPlist, 'utf8').replace(/\n\s*/g, ''));
    expect((await engineRun(fleet.dir, 'mac', root, runner, 'plan')).report.summary.pending).toBe(0);
    writeFileSync(daemonPlist, readFileSync(daemonPlist, 'utf8').replace('<integer>30</integer>', '<integer>1</integer>'));
    calls.length = 0;
    const heal = await engineRun(fleet.dir, 'mac', root, runner);
    expect(heal.report.resources.find((r) => r.id === 'launchd:dev.converge.health')).toMatchObject({ status: 'changed', drift: true });
    expect(calls.filter((c) => !c.startsWith('print'))).toEqual(['bootout system/dev.converge.health', 'enable system/dev.converge.health', 'bootstrap system /Library/LaunchDaemons/dev.converge.health.plist']);

    loaded.delete('gui/501/dev.converge.sync'); // booted out by hand
    const reload = await engineRun(fleet.dir, 'mac', root, runner);
    expect(reload.lines).toContain('launchd:dev.converge.sync: loaded false → true');
    expect(loaded.has('gui/501/dev.converge.sync')).toBe(true);
  });

  it('leaves an agent to the next login when its user is not logged in', async () => {
    const { runner } = fakeLaunchd({ loggedIn: false });
    const run = await engineRun(macFleet().dir, 'mac', tempDir(), runner);
    expect(run.lines).toContain('launchd:dev.converge.sync: loaded ∅ → true [skipped]');
    expect(run.report.summary.failed).toBe(0);
  });

  it('under --root on Linux shows the plist and the launchctl commands', () => {
    const plan = converge(['plan', '--repo', macFleet().dir, '--host', 'mac', '--root', tempDir()]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('+++ /Library/LaunchDaemons/dev.converge.health.plist');
    expect(plan.stdout).toContain('launchctl bootstrap system /Library/LaunchDaemons/dev.converge.health.plist');
    expect(plan.stdout).toContain('launchctl bootstrap gui/$(id -u mike) /Users/mike/Library/LaunchAgents/dev.converge.sync.plist');
  });
});
