// Trust: only commits signed by an allowed key that descend from the commit
// in force are applied. Unsigned, unknown-key, rewound and rewritten commits
// are rejected once, not retried, and the last good state stays in force.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { greeting, smallFleet } from './support/fleet-files.js';

describe('trust', () => {
  it('rejects unsigned, unknown-key, rewound and rewritten commits once each, and keeps enforcing the last good one', () => {
    const dir = tempDir();
    const alice = sshKey(dir, 'alice');
    const mallory = sshKey(dir, 'mallory');
    const origin = createOrigin(dir, smallFleet(), alice);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [alice]) });
    const conf = path.join(root, 'etc/app/app.conf');
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();
    expect(agentOnce(config).exitCode).toBe(0);

    const unsigned = origin.commit(greeting('unsigned'), { key: null });
    const r1 = agentOnce(config);
    expect(r1.exitCode).toBe(1);
    expect(r1.stdout).toContain(`web: rejected ${unsigned.slice(0, 7)} (unsigned)`);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');
    expect(origin.statusOf('web')).toMatchObject({ result: 'rejected', commit: unsigned, applied: c1 });

    // The same commit is not tried again: no new report.
    const again = agentOnce(config);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(origin.statusLog()).toHaveLength(2);

    const unknown = origin.commit(greeting('mallory'), { key: mallory });
    const r2 = agentOnce(config);
    expect(r2.exitCode).toBe(1);
    expect(r2.stdout).toContain(`web: rejected ${unknown.slice(0, 7)} (unknown key)`);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');

    // A newer commit signed by alice is applied: it descends from the one in force.
    const good = origin.commit(greeting('good'));
    const r3 = agentOnce(config);
    expect(r3.exitCode, r3.stderr).toBe(0);
    expect(r3.stdout).toContain(`web: applied ${good.slice(0, 7)} (1 changed)`);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = good\nhost = web\n');

    // A force-push back to an older (signed) commit is a rewind.
    origin.forcePush(c1);
    const r4 = agentOnce(config);
    expect(r4.exitCode).toBe(1);
    expect(r4.stdout).toContain(`web: rejected ${c1.slice(0, 7)} (rewound)`);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = good\nhost = web\n');

    // The last good commit stays in force: a change by hand is healed back to it, not to the rewound one.
    writeFileSync(conf, 'greeting = by hand\n');
    const r5 = agentOnce(config);
    expect(r5.exitCode, r5.stderr).toBe(0);
    expect(r5.stdout).toContain('web: drift healed in file:/etc/app/app.conf');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = good\nhost = web\n');

    // A signed commit on a rewritten history (not containing the commit in force).
    const fork = origin.commit(greeting('fork'));
    const r6 = agentOnce(config);
    expect(r6.exitCode).toBe(1);
    expect(r6.stdout).toContain(`web: rejected ${fork.slice(0, 7)} (not a descendant)`);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = good\nhost = web\n');

    expect(origin.statusLog()).toEqual([
      `web: rejected ${fork.slice(0, 7)} (not a descendant)`,
      'web: drift healed in file:/etc/app/app.conf',
      `web: rejected ${c1.slice(0, 7)} (rewound)`,
      `web: applied ${good.slice(0, 7)} (1 changed)`,
      `web: rejected ${unknown.slice(0, 7)} (unknown key)`,
      `web: rejected ${unsigned.slice(0, 7)} (unsigned)`,
      `web: applied ${c1.slice(0, 7)} (3 changed)`,
    ]);
    const md = origin.statusFile('state/web/STATUS.md');
    expect(md).toContain('# web: rejected');
    expect(md).toContain(`history was rewritten: the branch no longer contains ${good.slice(0, 7)}`);
  });

  it('a device that never applied a commit and whose head was refused keeps exiting 1 on every --once, saying why', () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), null);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]) });
    const head = git(origin.work, 'rev-parse', 'HEAD').trim();
    const first = agentOnce(config);
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toContain(`web: rejected ${head.slice(0, 7)} (unsigned)`);
    const again = agentOnce(config);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(`no commit applied yet, and ${head.slice(0, 7)} was refused (unsigned); a newer commit is needed`);
    expect(origin.statusLog()).toEqual([`web: rejected ${head.slice(0, 7)} (unsigned)`]);
    expect(existsSync(path.join(root, 'etc/app'))).toBe(false);
  });

  it('applies unsigned commits only with allowUnsigned, and says so at every start', () => {
    const dir = tempDir();
    const origin = createOrigin(dir, smallFleet(), null);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, extra: { trust: { allowUnsigned: true } } });
    const r = agentOnce(config);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('trust.allowUnsigned is on: unsigned commits are applied. Only for a lab.');
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = hello\nhost = web\n');
  });
});
