// hosts/_fleet.yml is a manifest like the others: `converge validate` checks
// it and every host's ring: and branch: against it, with file:line:column.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { parseFleetFile } from '../../src/manifest/fleet-rings.js';

function validate(files: Record<string, string>) {
  const fleet = createFleet({ 'hosts/a/host.yml': 'os: linux\n', ...files });
  return converge(['validate', '--repo', fleet.dir]);
}

describe('hosts/_fleet.yml', () => {
  it('fills each ring from the file defaults, and its own settings win', () => {
    const { rings } = parseFleetFile(Buffer.from('soak: 30m\nsuccessThreshold: 90%\nrings:\n  - canary\n  - name: servers\n    soak: 2h\n    maxUnavailable: 1\n'));
    expect(rings).toEqual([
      { name: 'canary', successThreshold: 90, soakMs: 1_800_000, maxUnavailable: 0 },
      { name: 'servers', successThreshold: 90, soakMs: 7_200_000, maxUnavailable: 1 },
    ]);
  });

  it('says where a bad ring setting is and what was expected', () => {
    const r = validate({ 'hosts/_fleet.yml': 'rings:\n  - canary\n  - name: servers\n    soak: soon\n    successThreshold: 120%\n    maxUnavailble: 1\n' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('hosts/_fleet.yml:4:11: soak: must be a duration like 30s, 15m or 1h');
    expect(r.stderr).toContain('hosts/_fleet.yml:5:23: successThreshold: must be a percentage like 100% or 90%');
    expect(r.stderr).toContain("hosts/_fleet.yml:6:5: unknown field 'maxUnavailble' in _fleet.yml (did you mean 'maxUnavailable'?)");
  });

  it('refuses a ring listed twice, and an empty list', () => {
    expect(validate({ 'hosts/_fleet.yml': 'rings: [canary, servers, canary]\n' }).stderr).toContain("hosts/_fleet.yml:1:26: ring 'canary' is listed twice");
    expect(validate({ 'hosts/_fleet.yml': 'rings: []\n' }).stderr).toContain('hosts/_fleet.yml:1:8: rings: must list at least one entry');
  });

  it("checks each host's ring against the rings, and that a host follows only its own testing branch", () => {
    const r = validate({ 'hosts/_fleet.yml': 'rings: [canary, servers]\n', 'hosts/b/host.yml': 'os: linux\nring: canery\n', 'hosts/c/host.yml': 'os: linux\nbranch: testing-b\n' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("hosts/b/host.yml:2:7: no ring 'canery' in hosts/_fleet.yml (rings: canary, servers)");
    expect(r.stderr).toContain('hosts/c/host.yml:2:9: branch: testing-b: host c may follow only its own testing branch, testing-c (or testing-c-<name>)');
    const without = validate({ 'hosts/b/host.yml': 'os: linux\nring: canary\n' });
    expect(without.stderr).toContain('hosts/b/host.yml:2:7: ring: canary, but there is no hosts/_fleet.yml to define rings');
    const ok = validate({ 'hosts/_fleet.yml': 'rings: [canary, servers]\n', 'hosts/b/host.yml': 'os: linux\nring: canary\nbranch: testing-b\n' });
    expect(ok.exitCode, ok.stderr).toBe(0);
  });
});
