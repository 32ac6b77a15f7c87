// Delivering reports to a status branch that the remote refuses outright (a
// hook, branch protection, the branch checked out in a non-bare repository):
// an error at once, not five minutes of retries as if other hosts kept winning a race.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet, git } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { StatusBranch } from '../../src/report/status-branch.js';
import type { OutboxEntry } from '../../src/report/outbox.js';

function entry(): OutboxEntry {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ host: 'h', reportId: 'r1' }));
  writeFileSync(path.join(dir, 'STATUS.md'), '# h\n');
  return { seq: 1, id: 'r1', dir, message: 'h: applied 1234567', at: new Date().toISOString(), drift: false };
}

describe('status branch push refused by the remote', () => {
  it('a hook that declines: an error naming it, at the first try', async () => {
    const origin = tempDir();
    git(origin, 'init', '-q', '--bare');
    mkdirSync(path.join(origin, 'hooks'), { recursive: true });
    writeFileSync(path.join(origin, 'hooks/pre-receive'), '#!/bin/sh\necho "status pushes are not allowed here" >&2\nexit 1\n');
    chmodSync(path.join(origin, 'hooks/pre-receive'), 0o755);
    const branch = await StatusBranch.open(tempDir(), { url: `file://${origin}`, branch: 'status', host: 'h' });
    const started = Date.now();
    await expect(branch.deliver([entry()], async () => undefined)).rejects.toThrow(/cannot push the status branch status to .*pre-receive hook declined/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('the branch checked out in a non-bare repository: an error naming it, at the first try', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n' });
    git(fleet.dir, 'checkout', '-q', '-b', 'status');
    const branch = await StatusBranch.open(tempDir(), { url: `file://${fleet.dir}`, branch: 'status', host: 'h' });
    const started = Date.now();
    await expect(branch.deliver([entry()], async () => undefined)).rejects.toThrow(/cannot push the status branch status to .*refusing to update checked out branch/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
