// A commit that does not validate is reported as failed, naming file:line,
// and is not retried; the last good commit stays in force until a fixed one
// arrives.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { smallFleet } from './support/fleet-files.js';

describe('a bad manifest on the branch', () => {
  it('is reported with file:line, and the last good state is still enforced', () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]) });
    const conf = path.join(root, 'etc/app/app.conf');
    const good = git(origin.work, 'rev-parse', 'HEAD').trim();
    expect(agentOnce(config).exitCode).toBe(0);

    const bad = origin.commit({ 'hosts/web/app.yml': 'resources:\n  - file: /etc/app/app.conf\n    template: files/app.conf.njk\n    mdoe: "0600"\n' }, { message: 'typo' });
    const r1 = agentOnce(config);
    expect(r1.exitCode).toBe(1);
    expect(r1.stdout).toMatch(new RegExp(`^web: failed ${bad.slice(0, 7)} \\(hosts/web/app\\.yml:4:5: .*mdoe`, 'm'));
    const status = origin.statusOf('web');
    expect(status).toMatchObject({ result: 'failed', commit: bad, applied: good });
    expect((status.errors as string[])[0]).toMatch(/^hosts\/web\/app\.yml:4:5: .*mdoe.*mode/);
    expect(origin.statusFile('state/web/STATUS.md')).toContain('## Errors');

    // Not retried, and the last good state is enforced: a hand edit is healed to the good commit's content.
    writeFileSync(conf, 'edited by hand\n');
    const r2 = agentOnce(config);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stdout).toBe('web: drift healed in file:/etc/app/app.conf\nstatus: pushed 1 report to status\n');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');

    const fixed = origin.commit({ 'hosts/web/app.yml': 'resources:\n  - file: /etc/app/app.conf\n    template: files/app.conf.njk\n    mode: "0600"\n' }, { message: 'fix' });
    const r3 = agentOnce(config);
    expect(r3.exitCode, r3.stderr).toBe(0);
    expect(r3.stdout).toContain(`web: applied ${fixed.slice(0, 7)} (1 changed)`);
    expect(origin.statusOf('web')).toMatchObject({ result: 'changed', applied: fixed });
  });
});
