// Commands run for real on this machine (their scripts touch only a temp
// folder): guards decide whether they run, a failure reports the end of the
// output, refreshOnly runs only when notified, and a timeout stops a hung one.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function setup(resources: string) {
  const work = tempDir();
  const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/cmd.yml': `resources:\n${resources.replaceAll('WORK', work)}` });
  const args = ['--repo', fleet.dir, '--host', 'box', '--state-dir', path.join(work, 'state')];
  return { work, fleet, args };
}

describe('command resources', () => {
  it('runs when creates is missing, not again after, and again when the file goes', () => {
    const { work, args } = setup(`  - command: make-marker\n    run: echo made >> WORK/marker\n    creates: WORK/marker\n`);
    const first = converge(['apply', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`changed   command:make-marker: run echo made >> ${work}/marker`);
    expect(readFileSync(path.join(work, 'marker'), 'utf8')).toBe('made\n');

    const again = converge(['apply', '--detailed-exitcode', ...args]);
    expect(again.exitCode).toBe(0);
    expect(readFileSync(path.join(work, 'marker'), 'utf8')).toBe('made\n');

    rmSync(path.join(work, 'marker'));
    const plan = converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ command:make-marker  (drift: changed by hand since the last converge)');
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    expect(existsSync(path.join(work, 'marker'))).toBe(true);
  });

  it('follows unless and onlyIf', () => {
    const { work, args } = setup([
      '  - command: skipped-by-unless',
      '    run: touch WORK/unless-ran',
      '    unless: "true"',
      '  - command: skipped-by-onlyif',
      '    run: touch WORK/onlyif-ran',
      '    onlyIf: test -e WORK/flag',
      '',
    ].join('\n'));
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    expect(existsSync(path.join(work, 'unless-ran'))).toBe(false);
    expect(existsSync(path.join(work, 'onlyif-ran'))).toBe(false);
    writeFileSync(path.join(work, 'flag'), '');
    const r = converge(['apply', ...args]);
    expect(r.stdout).toContain('changed   command:skipped-by-onlyif');
    expect(existsSync(path.join(work, 'onlyif-ran'))).toBe(true);
  });

  it('fails with the end of its output, and says when it did not create what it promised', () => {
    const { args } = setup([
      '  - command: noisy-failure',
      '    run: "for i in $(seq 1 30); do echo line $i; done; echo broken >&2; exit 3"',
      '    unless: "false"',
      '  - command: forgets-its-file',
      '    run: "true"',
      '    creates: WORK/never',
      '',
    ].join('\n'));
    const r = converge(['apply', '--json', ...args]);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as { resources: { id: string; status: string; error?: string }[] };
    const noisy = report.resources.find((x) => x.id === 'command:noisy-failure')!;
    expect(noisy.status).toBe('failed');
    expect(noisy.error).toMatch(/^exited 3; output \(last 20 lines\):\nline 12\n/);
    expect(noisy.error).toContain('line 30\nbroken');
    expect(noisy.error).not.toContain('line 11\n');
    const forgets = report.resources.find((x) => x.id === 'command:forgets-its-file')!;
    expect(forgets.status).toBe('failed');
    expect(forgets.error).toContain('creates still missing after the run');
  });

  it('runs a refreshOnly command only when a resource that notifies it changed', () => {
    const yml = (content: string) => [
      '  - file: WORK/app.conf',
      `    content: "${content}"`,
      '    notify: [command:reload-app]',
      '  - command: reload-app',
      '    run: echo reloaded >> WORK/reloads',
      '    refreshOnly: true',
      '',
    ].join('\n');
    const { work, fleet, args } = setup(yml('a'));
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    expect(readFileSync(path.join(work, 'reloads'), 'utf8')).toBe('reloaded\n');
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    expect(readFileSync(path.join(work, 'reloads'), 'utf8')).toBe('reloaded\n');
    fleet.commit({ 'hosts/box/cmd.yml': `resources:\n${yml('b').replaceAll('WORK', work)}` });
    const r = converge(['apply', ...args]);
    expect(r.stdout).toContain('changed   command:reload-app: refreshed (notified by file:');
    expect(readFileSync(path.join(work, 'reloads'), 'utf8')).toBe('reloaded\nreloaded\n');
  });

  it('stops a command that runs past its timeout', () => {
    const { args } = setup('  - command: hangs\n    run: sleep 30\n    unless: "false"\n    timeout: 1s\n');
    const r = converge(['apply', ...args]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('failed    command:hangs: timed out after 1s');
  });

  it('rejects a command that would run at every converge', () => {
    const { args } = setup('  - command: echo hi\n');
    const r = converge(['validate', args[0]!, args[1]!]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('without creates, unless, onlyIf or refreshOnly this command would run at every converge');
  });

  it('does not run under --root and says so', () => {
    const { work, args } = setup(`  - command: make-marker\n    run: touch WORK/marker\n    creates: /var/lib/marker\n`);
    const r = converge(['plan', ...args, '--root', tempDir()]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('! command:make-marker: skipped (commands run only on the real system, not under --root)');
    expect(existsSync(path.join(work, 'marker'))).toBe(false);
  });
});
