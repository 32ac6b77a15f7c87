// The README's main job: `converge demo` runs the whole loop on the example
// fleet (no root needed, no network) and shows it as status commits, the
// host's reports verified as its own.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { converge } from '../helpers/cli.js';

describe('converge demo', () => {
  it('converges motoko, applies a merge, heals drift, rejects an unsigned commit, and shows the history', () => {
    const r = converge(['demo'], { timeoutMs: 90_000 });
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const log = r.stdout.slice(r.stdout.indexOf("git log status"));
    const subjects = log.split('\n').filter((l) => /^[0-9a-f]{7} \d\d:\d\d:\d\d {2}motoko: /.test(l)).map((l) => l.slice(18));
    expect(subjects).toHaveLength(4);
    expect(subjects[0]).toMatch(/^motoko: rejected [0-9a-f]{7} \(unsigned\)$/);
    expect(subjects[1]).toBe('motoko: drift healed in file:/etc/netdata/netdata.conf');
    expect(subjects[2]).toMatch(/^motoko: applied [0-9a-f]{7} \(\d+ changed\)$/);
    expect(subjects[3]).toMatch(/^motoko: applied [0-9a-f]{7} \(\d+ changed\)$/);
    expect(r.stdout).toContain('/etc/netdata/netdata.conf is back as the repository says');
    // The host's reports are signed with its own key (agentKey: in its host.yml): verified.
    expect(r.stdout).toMatch(/^motoko +verified +\d+ s ago +[0-9a-f]{7} +1 +rejected +motoko: rejected/m);
    expect(r.stdout).toContain('1 host, all reports verified');
    expect(r.stdout).toMatch(/demo finished in \d+\.\d s/);
    // Nothing is left behind.
    const sandbox = /everything happens under (\S+)/.exec(r.stdout)![1]!;
    expect(sandbox.startsWith(os.tmpdir())).toBe(true);
    expect(existsSync(sandbox)).toBe(false);
  });
});
