// Bad input that used to be accepted or reported vaguely: each message names
// what it found (the value, the key, the lines) and what was expected instead.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { validateFleet } from '../../src/manifest/fleet.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

/** Validate a fleet and return the formatted diagnostics. */
function errorsOf(files: Record<string, string>): string[] {
  return validateFleet(createFleet(files).dir).diagnostics.map(formatDiagnostic);
}

describe('a reference to a resource that when: leaves out of this host', () => {
  it('is an error at the entry saying where the target is declared and which condition this host fails', () => {
    const errors = errorsOf({
      'hosts/_roles/base/jobs.yml': 'resources:\n  - file: /etc/backup.conf\n    content: x\n  - unit: backup.timer\n    when: { os: linux }\n    content: x\n  - file: /etc/gpu.conf\n    when: { var: { gpu: true } }\n',
      'hosts/mac/host.yml': 'os: macos\nroles: [base]\n',
      'hosts/mac/a.yml': 'resources:\n  - file: /etc/app.conf\n    notify: [unit:backup.timer]\n    requires: [file:/etc/gpu.conf, file:/etc/backup.conf]\n',
      'hosts/web/host.yml': 'os: linux\nroles: [base]\nvars: { gpu: true }\n',
      'hosts/web/a.yml': 'resources:\n  - file: /etc/app.conf\n    notify: [unit:backup.timer]\n    requires: [file:/etc/gpu.conf]\n',
    });
    expect(errors).toEqual([
      'hosts/mac/a.yml:3:14: notify unit:backup.timer, which mac does not declare: it is declared in hosts/_roles/base/jobs.yml:4:5 only when os is linux (mac is macos)',
      'hosts/mac/a.yml:4:16: requires file:/etc/gpu.conf, which mac does not declare: it is declared in hosts/_roles/base/jobs.yml:7:5 only when var gpu is true (here it is not set)',
    ]);
  });
});
