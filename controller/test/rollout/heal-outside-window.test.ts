// `healOutsideWindow: false`, with a real agent (in this process, so its clock
// can be injected: AgentOptions.now) on the real filesystem under a temp root,
// a real signed origin and its status branch. The window comes from a role.
// Inside the window drift is healed; outside it it is only reported (the
// file stays as the person left it), and healed at the next window.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, publicKey, sshKey } from '../agent/support/origin.js';
import { writeConfig } from '../agent/support/agent.js';
import { Agent } from '../../src/agent/agent.js';
import { loadConfig } from '../../src/agent/config.js';
import { resolveConfig } from '../../src/agent/resolved-config.js';
import { silentLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';

describe('healOutsideWindow: false', () => {
  it('heals drift inside the window, only reports it outside, and heals it at the next window', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const device = sshKey(dir, 'device-w');
    const origin = createOrigin(dir, {
      'hosts/_roles/gpu/gpu.yml': 'window:\n  start: "02:00"\n  length: 2h\n  timeZone: Europe/Berlin\n  healOutsideWindow: false\n',
      'hosts/w/host.yml': `os: linux\nroles: [gpu]\nagentKey: ${publicKey(device)}\n`,
      'hosts/w/motd.yml': 'resources:\n  - file: /etc/motd\n    content: "v0\\n"\n',
    }, key);
    const { config, root } = writeConfig({ host: 'w', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]), extra: { signingKey: device.key } });
    const motd = path.join(root, 'etc/motd');
    const at = async (iso: string) => {
      const agent = await Agent.open({ config: resolveConfig(loadConfig(config)), log: silentLogger(), scrubber: new Scrubber(), now: () => new Date(iso) });
      expect(await agent.once()).toBe(0);
      return origin.statusOf('w') as { result: string; event: string };
    };

    // 02:30 in Berlin (CET, UTC+1): inside
    await at('2026-12-02T01:30:00Z');
    expect(readFileSync(motd, 'utf8')).toBe('v0\n');
    writeFileSync(motd, 'by hand\n');
    await at('2026-12-02T01:45:00Z');
    expect(readFileSync(motd, 'utf8')).toBe('v0\n');

    // 12:00 in Berlin: outside. Reported, not changed.
    writeFileSync(motd, 'by hand\n');
    const outside = await at('2026-12-02T11:00:00Z');
    expect(readFileSync(motd, 'utf8')).toBe('by hand\n');
    expect(outside.event).toBe('w: drift in file:/etc/motd (not changed: outside the maintenance window (healOutsideWindow: false))');

    // 02:10 the next night: healed.
    await at('2026-12-03T01:10:00Z');
    expect(readFileSync(motd, 'utf8')).toBe('v0\n');
  });
});
