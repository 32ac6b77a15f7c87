// The timeline a user lives: apply → change a file by hand → plan shows
// exactly that drift → apply heals it → plan is clean.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, statSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function fleetWithOneFile() {
  return createFleet({
    'hosts/web/host.yml': 'os: linux\nvars:\n  greeting: hello\n',
    'hosts/web/files.yml': [
      'resources:',
      '  - directory: /etc/app',
      '    mode: "0755"',
      '  - file: /etc/app/app.conf',
      '    template: files/app.conf.njk',
      '    mode: "0640"',
      '',
    ].join('\n'),
    'hosts/web/files/app.conf.njk': 'greeting = {{ vars.greeting }}\nhost = {{ host.name }}\n',
  });
}

describe('apply, drift by hand, plan, heal', () => {
  it('converges, sees a hand edit as drift, heals it and is clean again', () => {
    const fleet = fleetWithOneFile();
    const root = tempDir();
    const args = ['--repo', fleet.dir, '--host', 'web', '--root', root];

    const first = converge(['apply', ...args]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('changed   file:/etc/app/app.conf');
    const conf = path.join(root, 'etc/app/app.conf');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');
    expect(statSync(conf).mode & 0o777).toBe(0o640);

    const again = converge(['apply', '--detailed-exitcode', ...args]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).not.toMatch(/^changed/m);
    expect(again.stdout).toContain('Applied web: 2 unchanged');

    writeFileSync(conf, 'greeting = hacked\nhost = web\n');
    chmodSync(conf, 0o666);
    const plan = converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ file:/etc/app/app.conf  (drift: changed by hand since the last converge)');
    expect(plan.stdout).toContain('-greeting = hacked');
    expect(plan.stdout).toContain('+greeting = hello');
    expect(plan.stdout).toContain('mode 0666 → 0640');
    expect(plan.stdout).not.toContain('directory:/etc/app');

    const heal = converge(['apply', '--detailed-exitcode', ...args]);
    expect(heal.exitCode).toBe(2);
    expect(heal.stdout).toContain('file:/etc/app/app.conf (drift healed)');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');
    expect(statSync(conf).mode & 0o777).toBe(0o640);

    const clean = converge(['plan', ...args]);
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toContain('Plan: 2 in sync.');
  });
});
