// converge status reads the status branch as data (finding 8): a compromised
// device pushes terminal escapes, an option-shaped `applied`, a report that
// names another host, a folder listed twice and a 540 MiB status.json (a few
// hundred KB packed). The view shows each folder once under its own name,
// escaped, creates no file, and does not crash.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';
import { GIT_ENV } from '../helpers/fleet.js';
import { blob, hugeBlob, pushState } from '../helpers/hostile-status.js';

const report = (host: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ host, endedAt: new Date().toISOString(), result: 'converged', event: `${host}: applied`, applied: null, resources: [], errors: [], ...extra });

describe('converge status on a hostile status branch', () => {
  it('escapes control characters, never passes a report value as an option, names hosts by path, and bounds sizes', () => {
    const dir = tempDir();
    const bare = path.join(dir, 'origin.git');
    const env = { ...process.env, ...GIT_ENV };
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare], { env });
    const work = path.join(dir, 'work');
    execFileSync('git', ['init', '-q', '-b', 'main', work], { env });
    execFileSync('sh', ['-c', 'mkdir -p hosts/motoko && echo "os: linux" > hosts/motoko/host.yml && git add -A && git commit -qm fleet && git push -q "$0" HEAD:main', bare], { cwd: work, env });
    const pwned = path.join(dir, 'PWNED_BY_STATUS');
    const ESC = '\u001b';
    pushState(bare, [
      ['motoko', blob(bare, report('motoko'))],
      ['evil', blob(bare, report('motoko', { event: 'forged motoko row' }))],
      ['esc', blob(bare, report('esc', { event: `${ESC}[2K\r${ESC}]52;c;cHduZWQ=\u0007${ESC}]8;;https://evil.example/\u0007click\u009b31m`, resources: [{ id: `file:/x${ESC}[32m`, status: 'failed', error: 'e' }] }))],
      ['inj', blob(bare, report('inj', { applied: `--output=${pwned}` }))],
      ['dup', blob(bare, report('dup'))],
      ['dup', blob(bare, report('dup', { event: 'second copy' }))],
      ['big', hugeBlob(bare, 540 * 2 ** 20)],
    ]);

    const text = converge(['status', '--repo', `file://${bare}`]);
    expect(text.stderr).toBe('');
    expect(text.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text.stdout).toContain('\\x1b]52;c;cHduZWQ=\\x07');
    expect(text.stdout).toContain('esc: failed   file:/x\\x1b[32m: e');
    expect(text.stdout).toMatch(/^big: unverified — status\.json is larger than \d+ bytes \(not read\)/m);
    expect(text.stdout).toMatch(/^evil: unverified — status\.json names another host \(motoko\)/m);
    expect(text.stdout).toMatch(/^dup: unverified — the branch lists state\/dup\/ more than once/m);
    expect(existsSync(pwned) || readdirSync(dir).some((n) => n.startsWith('PWNED'))).toBe(false);

    const json = converge(['status', '--repo', `file://${bare}`, '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.stdout).not.toMatch(/[\u007f-\u009f]/);
    const hosts = (JSON.parse(json.stdout) as { hosts: { host: string; applied: string | null; verified: boolean }[] }).hosts;
    expect(hosts.map((h) => h.host)).toEqual(['big', 'dup', 'esc', 'evil', 'inj', 'motoko']);
    expect(hosts.find((h) => h.host === 'inj')!.applied).toBeNull();
    expect(hosts.every((h) => !h.verified)).toBe(true);
  }, 180_000);
});
