// Without a secret backend (a laptop previewing a change, PR CI), a plan still
// shows where each env file goes and what it holds, and says the values were
// not read; an apply refuses to write a file it cannot fill.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('env files without a secret backend', () => {
  it('are planned without values and never written empty', () => {
    const fleet = createFleet({
      'secrets-map.yml': 'envFiles:\n  netdata:\n    path: /etc/netdata/claim.env\n    vars:\n      NETDATA_CLAIM_TOKEN: netdata-cloud-claim-token\n',
      'hosts/atom/host.yml': 'os: linux\n',
      'hosts/atom/netdata.yml': 'resources:\n  - envFile: netdata\n',
    });
    const root = tempDir();
    mkdirSync(root, { recursive: true });
    const args = ['--repo', fleet.dir, '--host', 'atom', '--root', root];
    const plan = converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('+ envFile:netdata\n    path /etc/netdata/claim.env\n    vars NETDATA_CLAIM_TOKEN [skipped: values not read: no secret backend is configured (secrets: in the agent config)]\n    mode 0600\n');
    const apply = converge(['apply', ...args]);
    expect(apply.exitCode).toBe(1);
    expect(apply.stdout).toContain("failed    envFile:netdata: env file 'netdata' cannot be written: values not read: no secret backend is configured (secrets: in the agent config)");
    expect(existsSync(path.join(root, 'etc/netdata/claim.env'))).toBe(false);
  });
});
