// Several devices report to one status branch at the same moment: pushes
// conflict, each agent fetches and rebuilds on the new tip, and every report
// lands, each touching only its own state/<host>/. `converge status` then
// shows the whole fleet, and flags hosts that have gone quiet as stale.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import type { SigningKey } from './support/origin.js';
import { agentOnceAsync, writeConfig } from './support/agent.js';

const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

function fleetOf(hosts: string[], keys: Record<string, SigningKey>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const h of hosts) {
    files[`hosts/${h}/host.yml`] = `os: linux\nagentKey: ${readFileSync(keys[h]!.pub, 'utf8').trim()}\n`;
    files[`hosts/${h}/motd.yml`] = `resources:\n  - file: /etc/motd\n    content: "this is ${h}\\n"\n`;
  }
  return files;
}

describe('a fleet reporting at once', () => {
  it('lands every report on the status branch, and converge status shows every host', async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    // Each device has its own key, declared in its host.yml: its reports are verified as its own.
    const devices = Object.fromEntries(HOSTS.map((h) => [h, sshKey(dir, `device-${h}`)]));
    const origin = createOrigin(dir, fleetOf(HOSTS, devices), key);
    const signers = allowedSigners(path.join(dir, 'allowed'), [key]);
    const configs = HOSTS.map((host) => writeConfig({ host, repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: devices[host]!.key } }).config);

    const results = await Promise.all(configs.map((c) => agentOnceAsync(c)));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);

    const head = git(origin.work, 'rev-parse', 'HEAD').trim().slice(0, 7);
    expect(origin.statusLog().sort()).toEqual(HOSTS.map((h) => `${h}: applied ${head} (1 changed)`).sort());
    // Each commit touched only its own host's folder.
    for (const sha of git(origin.bare, 'rev-list', 'status').trim().split('\n')) {
      const touched = git(origin.bare, 'show', '--format=', '--name-only', sha).trim().split('\n');
      const host = git(origin.bare, 'log', '-1', '--format=%s', sha).split(':')[0];
      expect(touched.sort()).toEqual([`state/${host}/STATUS.md`, `state/${host}/status.json`]);
    }

    const status = JSON.parse(converge(['status', '--repo', origin.url, '--json']).stdout) as { hosts: { host: string; stale: boolean; behind: number; verified: boolean }[] };
    expect(status.hosts.map((h) => [h.host, h.verified, h.stale, h.behind])).toEqual(HOSTS.map((h) => [h, true, false, 0]));

    await new Promise((r) => setTimeout(r, 1100));
    const stale = converge(['status', '--repo', origin.url, '--stale-after', '1s']);
    expect(stale.exitCode, stale.stderr).toBe(0);
    expect(stale.stdout).toMatch(/^h1 +verified +\d+ s ago STALE/m);
    expect(stale.stdout).toContain('6 hosts, all reports verified');
    expect(stale.stdout).toMatch(/^h1: stale — not seen for \d+ s \(expected within 1 s\)$/m);
  }, 180_000);
});
