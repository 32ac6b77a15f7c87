// `converge diff` on a PR says which rings and hosts the change reaches, in
// the order the rollout will reach them.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';

const motd = (text: string) => `resources:\n  - file: /etc/motd\n    content: "${text}\\n"\n`;

describe('converge diff with rings', () => {
  it('lists the rings a change reaches, in rollout order, with their hosts', () => {
    const fleet = createFleet({
      'hosts/_fleet.yml': 'rings: [canary, servers, laptops]\n',
      'hosts/_roles/base/motd.yml': motd('v1'),
      'hosts/can/host.yml': 'os: linux\nring: canary\nroles: [base]\n',
      'hosts/srv/host.yml': 'os: linux\nring: servers\nroles: [base]\n',
      'hosts/lap/host.yml': 'os: linux\nroles: [base]\n',
      'hosts/other/host.yml': 'os: linux\nring: servers\n',
    });
    const base = fleet.commit({}, 'base');
    fleet.commit({ 'hosts/_roles/base/motd.yml': motd('v2') }, 'motd v2');
    const text = converge(['diff', '--repo', fleet.dir, '--base', base]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('rollout canary (can) → servers (srv) → laptops (lap)');
    const json = JSON.parse(converge(['diff', '--repo', fleet.dir, '--base', base, '--json']).stdout) as { rollout: unknown };
    expect(json.rollout).toEqual([{ ring: 'canary', hosts: ['can'] }, { ring: 'servers', hosts: ['srv'] }, { ring: 'laptops', hosts: ['lap'] }]);
    expect(converge(['diff', '--repo', fleet.dir, '--base', base, '--markdown']).stdout).toContain('**Rollout order**: canary (can) → servers (srv) → laptops (lap)');
  });
});
