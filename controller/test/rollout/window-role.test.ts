// `window:` in a role file: the maintenance window of every host with that
// role, unless the host's own host.yml sets one. Errors at file:line:column.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { loadHost } from '../../src/manifest/load-host.js';

const NIGHTS = 'window:\n  days: [sat, sun]\n  start: "02:00"\n  length: 4h\n  timeZone: Europe/Berlin\n';
const EVENINGS = 'window:\n  start: "20:00"\n  length: 2h\n  timeZone: America/New_York\n';

describe('window: on a role', () => {
  it("applies to the role's hosts, and a host's own window wins", () => {
    const fleet = createFleet({
      'hosts/_roles/gpu/gpu.yml': `resources: []\n${NIGHTS}`,
      'hosts/a/host.yml': 'os: linux\nroles: [gpu]\n',
      'hosts/b/host.yml': `os: linux\nroles: [gpu]\n${EVENINGS}`,
      'hosts/c/host.yml': 'os: linux\n',
    });
    const a = loadHost(fleet.dir, 'a');
    expect(a.diagnostics).toEqual([]);
    expect(a.host?.window).toMatchObject({ days: ['sat', 'sun'], start: '02:00', timeZone: 'Europe/Berlin', healOutsideWindow: true });
    expect(loadHost(fleet.dir, 'b').host?.window).toMatchObject({ start: '20:00', timeZone: 'America/New_York' });
    expect(loadHost(fleet.dir, 'c').host?.window).toBeUndefined();
    expect(converge(['validate', '--repo', fleet.dir]).exitCode).toBe(0);
  });

  it('says where a bad role window is, refuses two different role windows unless host.yml chooses, and a window in a host resource file', () => {
    const fleet = createFleet({
      'hosts/_roles/gpu/gpu.yml': 'resources: []\nwindow:\n  start: "25:00"\n  length: 2h\n  timeZone: Europe/Berlin\n',
      'hosts/_roles/night/night.yml': NIGHTS,
      'hosts/_roles/evening/evening.yml': EVENINGS,
      'hosts/a/host.yml': 'os: linux\nroles: [gpu]\n',
      'hosts/b/host.yml': 'os: linux\nroles: [night, evening]\n',
      'hosts/c/host.yml': `os: linux\nroles: [night, evening]\n${EVENINGS}`,
      'hosts/d/host.yml': 'os: linux\n',
      'hosts/d/files.yml': `resources: []\n${NIGHTS}`,
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('hosts/_roles/gpu/gpu.yml:3:10: start must be a local time like "02:00" (24-hour, quoted)');
    expect(r.stderr).toContain('hosts/_roles/evening/evening.yml:1:1: a second maintenance window for this host: hosts/_roles/night/night.yml sets another one (hosts/_roles/night/night.yml:1:1); set window: in hosts/b/host.yml to choose');
    expect(r.stderr).toContain('hosts/d/files.yml:2:1: window belongs in hosts/d/host.yml (or a role file)');
    expect(loadHost(fleet.dir, 'c').diagnostics).toEqual([]); // host.yml chose
  });
});
