// Devices speak only for themselves (finding 9): each host signs its status
// commits with its own key, declared as agentKey: in its host.yml. A forging
// device that rewrites another host's report, signed with its own key or not
// at all, makes that report `unverified` in `converge status`; the victim's
// next report is verified again. A huge blob planted in the victim's folder
// is never fetched by the victim's agent, which still pushes.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';
import { blob, hugeBlob, pushState, stateAt } from '../helpers/hostile-status.js';
import { allowedSigners, createOrigin, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';

interface Row {
  host: string;
  verified: boolean;
  reason: string | null;
  result: string;
}

function statusRows(url: string): Row[] {
  const r = converge(['status', '--repo', url, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { hosts: Row[] }).hosts;
}

describe('devices speak only for themselves', () => {
  it('a report rewritten by another device is unverified until its host reports again; a planted huge blob is never fetched', () => {
    const dir = tempDir();
    const admin = sshKey(dir, 'admin');
    const devA = sshKey(dir, 'device-a');
    const devB = sshKey(dir, 'device-b');
    const pub = (k: { pub: string }) => readFileSync(k.pub, 'utf8').trim();
    const files = (text: string) => ({
      'hosts/a/host.yml': `os: linux\nagentKey: ${pub(devA)}\n`,
      'hosts/a/motd.yml': `resources:\n  - file: /etc/motd\n    content: "${text}\\n"\n`,
      'hosts/b/host.yml': `os: linux\nagentKey: ${pub(devB)}\n`,
      'hosts/b/motd.yml': 'resources:\n  - file: /etc/motd\n    content: "b\\n"\n',
    });
    const origin = createOrigin(dir, files('a'), admin);
    execFileSync('git', ['-C', origin.bare, 'config', 'uploadpack.allowFilter', 'true']);
    const signers = allowedSigners(path.join(dir, 'allowed'), [admin]);
    const a = writeConfig({ host: 'a', repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: devA.key } });
    const b = writeConfig({ host: 'b', repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: devB.key } });
    expect(agentOnce(a.config).exitCode).toBe(0);
    expect(agentOnce(b.config).exitCode).toBe(0);
    expect(statusRows(origin.url).map((h) => [h.host, h.verified, h.reason])).toEqual([
      ['a', true, null],
      ['b', true, null],
    ]);

    // Device b is compromised: it replaces a's report with a forged one, signed with b's own key.
    const forged = JSON.stringify({ host: 'a', endedAt: new Date().toISOString(), result: 'converged', event: 'a: all good', applied: null });
    const bySelf = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'a' ? blob(origin.bare, forged) : id]), { signingKey: devB.key });
    let rows = statusRows(origin.url);
    expect(rows.find((h) => h.host === 'a')).toMatchObject({ verified: false, reason: `the last change (${bySelf.slice(0, 7)}) is signed by a key that is not a's agentKey` });
    expect(rows.find((h) => h.host === 'b')).toMatchObject({ verified: true });
    // …or unsigned.
    const unsigned = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'a' ? blob(origin.bare, forged.replace('all good', 'still good')) : id]));
    rows = statusRows(origin.url);
    expect(rows.find((h) => h.host === 'a')).toMatchObject({ verified: false, reason: `the last change (${unsigned.slice(0, 7)}) is unsigned` });
    const text = converge(['status', '--repo', origin.url]).stdout;
    expect(text).toMatch(/^a +UNVERIFIED /m);
    expect(text).toContain(`a: unverified — the last change (${unsigned.slice(0, 7)}) is unsigned; not taken as a's own report`);

    // Then b plants a 64 MiB status.json (64 KB packed) in a's folder.
    const huge = hugeBlob(origin.bare, 64 * 2 ** 20);
    pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'a' ? huge : id]), { signingKey: devB.key });
    rows = statusRows(origin.url);
    expect(rows.find((h) => h.host === 'a')!.reason).toMatch(/^status\.json is larger than \d+ bytes \(not read\); /);

    // a's next report (a new commit to apply) lands on top, without a ever fetching the planted blob, and is verified again.
    origin.commit(files('a2'));
    const next = agentOnce(a.config);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stdout).toContain('status: pushed 1 report to status');
    // (Listed from the packs: asking for the object by id would make git fetch it.)
    const present = execFileSync('git', ['-C', path.join(a.stateDir, 'status'), 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { encoding: 'utf8' });
    expect(present.split('\n')).not.toContain(huge);
    expect(present.split('\n').length).toBeGreaterThan(5);
    expect(statusRows(origin.url).map((h) => [h.host, h.verified])).toEqual([
      ['a', true],
      ['b', true],
    ]);
  }, 180_000);
});
