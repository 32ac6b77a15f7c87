// A value spliced into a generated systemd unit, plist or task XML that holds a
// newline or carriage return (finding 13) is a validation error at its line:
// systemd ends a line at either, so it would add a directive of its own.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';

describe('line breaks in values that reach generated unit, plist and task files', () => {
  it('are validation errors at the line of the value, for every host OS', () => {
    const fleet = createFleet({
      'hosts/box/host.yml': 'os: linux\n',
      'hosts/box/a.yml': [
        'resources:',
        '  - mount: /mnt/x',
        '    device: "//srv/share\\nExecStartPre=/bin/touch /tmp/pwned-mount"',
        '    fstype: cifs',
        '  - container: web',
        '    image: docker.io/library/nginx:1',
        '    env: { B: "line1\\rExecStartPre=/bin/true" }',
        '    volumes: ["/srv/a\\rExecStartPre=/bin/true:/data"]',
        '',
      ].join('\n'),
      'hosts/mac/host.yml': 'os: macos\nvars:\n  user: mike\n',
      'hosts/mac/a.yml': ['resources:', '  - launchd: dev.example.job', '    program: ["/bin/echo", "a\\nb"]', ''].join('\n'),
      'hosts/win/host.yml': 'os: windows\n',
      'hosts/win/a.yml': ['resources:', '  - scheduledTask: \\converge\\job', '    command: C:/x.cmd', '    description: "one\\r\\ntwo"', '    triggers: [{ boot: {} }]', ''].join('\n'),
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/hosts\/box\/a\.yml:3:\d+: .*contains a newline; this value goes into a generated unit/);
    expect(out).toMatch(/hosts\/box\/a\.yml:7:\d+: .*contains a carriage return/);
    expect(out).toMatch(/hosts\/box\/a\.yml:8:\d+: .*contains a carriage return/);
    expect(out).toMatch(/hosts\/mac\/a\.yml:3:\d+: .*contains a newline/);
    expect(out).toMatch(/hosts\/win\/a\.yml:4:\d+: .*contains a carriage return/);
  });
});
