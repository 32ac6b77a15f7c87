// Host health checks and rollback, on this machine's real filesystem (the
// managed files live in a temp folder; the checks are commands that read
// them): a new commit that breaks a check that passed is rolled back, files
// restored, the report says so; a check that never passed, or a failure
// without a new commit, is reported as failed but nothing is undone.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

interface RunReport {
  result: string;
  commit: string;
  checks?: { name: string; status: string; message?: string; passedBefore?: boolean }[];
  failedCheck?: { name: string; message?: string };
  rollback?: { restored: string[]; errors: string[]; checksAfter: { name: string; status: string }[] };
}

function hostYml(work: string): string {
  return [
    'os: linux',
    'checks:',
    `  - command: grep -q "port = 1" ${work}/app/app.conf`,
    '    name: app-config-ok',
    '    within: 1s',
    '',
  ].join('\n');
}

function resources(port: number, extra = ''): string {
  return ['resources:', '  - directory: WORK/app', '  - file: WORK/app/app.conf', `    content: "port = ${port}\\n"`, extra, ''].join('\n');
}

function setup() {
  const work = tempDir();
  const files = (port: number, extra = '') => ({ 'hosts/box/host.yml': hostYml(work), 'hosts/box/app.yml': resources(port, extra).replaceAll('WORK', work) });
  const fleet = createFleet(files(1));
  const args = ['--repo', fleet.dir, '--host', 'box', '--state-dir', path.join(work, 'state')];
  const apply = () => {
    const r = converge(['apply', '--json', ...args]);
    return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
  };
  return { work, fleet, files, args, apply };
}

describe('health checks and rollback', () => {
  it('rolls back a commit that breaks a check that passed, restoring and removing files', () => {
    const { work, fleet, files, args, apply } = setup();
    const good = apply();
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.report.checks).toEqual([expect.objectContaining({ name: 'app-config-ok', status: 'passed', passedBefore: false })]);

    const extra = ['  - directory: WORK/app/plugins', '  - file: WORK/app/plugins/new.conf', '    content: "new\\n"'].join('\n');
    const badCommit = fleet.commit(files(2, extra.replaceAll('WORK', work)), 'port 2');
    const bad = apply();
    expect(bad.exitCode).toBe(1);
    expect(bad.report.result).toBe('rolledBack');
    expect(bad.report.commit).toBe(badCommit);
    expect(bad.report.failedCheck).toMatchObject({ name: 'app-config-ok', message: 'exited 1' });
    expect(bad.report.rollback!.errors).toEqual([]);
    expect(bad.report.rollback!.restored).toEqual(expect.arrayContaining([`${work}/app/app.conf`, `${work}/app/plugins/new.conf`, `${work}/app/plugins`]));
    expect(bad.report.rollback!.checksAfter).toEqual([expect.objectContaining({ name: 'app-config-ok', status: 'passed' })]);
    expect(readFileSync(path.join(work, 'app/app.conf'), 'utf8')).toBe('port = 1\n');
    expect(existsSync(path.join(work, 'app/plugins'))).toBe(false);

    // for people: what failed and what came back
    const again = converge(['apply', ...args]);
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toContain('check failed  app-config-ok: exited 1');
    expect(again.stdout).toContain('rolled back: app-config-ok passed before this converge and fails after it');
    expect(again.stdout).toContain('checks after the rollback: app-config-ok passed');

    // the rolled-back commit is not the reference; the plan still shows what it would change
    const state = JSON.parse(readFileSync(path.join(work, 'state/checks/box.json'), 'utf8')) as { commit: string };
    expect(state.commit).not.toBe(badCommit);
    expect(converge(['plan', ...args]).exitCode).toBe(2);

    // a fixed commit converges and is kept
    fleet.commit(files(1, '  - file: WORK/app/extra.conf\n    content: "fixed\\n"'.replaceAll('WORK', work)), 'fixed');
    const fixed = apply();
    expect(fixed.exitCode, JSON.stringify(fixed.report)).toBe(0);
    expect(fixed.report.result).toBe('changed');
  });

  it('reports a check that never passed as failed, and rolls nothing back', () => {
    const { work, fleet, files, apply } = setup();
    fleet.commit(files(3), 'never good');
    const r = apply();
    expect(r.exitCode).toBe(1);
    expect(r.report.result).toBe('failed');
    expect(r.report.rollback).toBeUndefined();
    expect(readFileSync(path.join(work, 'app/app.conf'), 'utf8')).toBe('port = 3\n');
  });

  it('does not roll back when no new commit came (the machine broke, not the manifests)', () => {
    const work = tempDir();
    const fleet = createFleet({
      'hosts/box/host.yml': ['os: linux', 'checks:', `  - command: test -e ${work}/healthy`, '    within: 1s', ''].join('\n'),
      'hosts/box/app.yml': resources(1).replaceAll('WORK', work),
    });
    const args = ['--json', '--repo', fleet.dir, '--host', 'box', '--state-dir', path.join(work, 'state')];
    writeFileSync(path.join(work, 'healthy'), '');
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    // the machine breaks, and someone edits the config by hand: converge heals the file, the check still fails
    rmSync(path.join(work, 'healthy'));
    writeFileSync(path.join(work, 'app/app.conf'), 'port = 9\n');
    const r = converge(['apply', ...args]);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(r.exitCode).toBe(1);
    expect(report.result).toBe('failed');
    expect(report.checks).toEqual([expect.objectContaining({ status: 'failed', passedBefore: true })]);
    expect(report.rollback).toBeUndefined();
    expect(readFileSync(path.join(work, 'app/app.conf'), 'utf8')).toBe('port = 1\n');
  });

  it('skips checks under --root, where they would probe this machine instead of the sandbox', () => {
    const { args } = setup();
    const r = converge(['apply', '--json', ...args, '--root', tempDir()]);
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as RunReport).checks).toEqual([expect.objectContaining({ status: 'skipped', message: 'checks run on the real system only, not under --root' })]);
  });

  it('validates checks: exactly one kind, a sane tcp target, unique names', () => {
    const twoKinds = createFleet({ 'hosts/box/host.yml': ['os: linux', 'checks:', '  - tcp: 4000', '    http: http://x/', ''].join('\n') });
    const r1 = converge(['validate', '--repo', twoKinds.dir]);
    expect(r1.exitCode).toBe(1);
    expect(r1.stderr).toContain('hosts/box/host.yml:3:5: checks[0]: a check is exactly one of unit, tcp, http, command (this one has tcp and http)');

    const fleet = createFleet({
      'hosts/box/host.yml': ['os: linux', 'vars:', '  port: nope', 'checks:', '  - tcp: "{{ vars.port }}:port"', '  - unit: a.service', '  - unit: a.service', ''].join('\n'),
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/host.yml:5:\d+: tcp is a port \(4000\) or host:port \(127.0.0.1:4000\), not 'nope:port'/);
    expect(r.stderr).toContain('host.yml:7:5: two checks are named unit:a.service');
  });
});
