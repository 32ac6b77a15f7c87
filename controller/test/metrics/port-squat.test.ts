// A local user who binds the metrics port first (finding 17) serves Netdata
// their own numbers. The agent cannot stop that, but it says so where people
// look: a notice in the status report, not only a log line.
import { expect, it, describe } from 'vitest';
import { createServer } from 'node:net';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { closeServer, listenInRange } from '../helpers/ports.js';
import { allowedSigners, createOrigin, sshKey } from '../agent/support/origin.js';
import { agentOnceAsync, writeConfig } from '../agent/support/agent.js';
import { smallFleet } from '../agent/support/fleet-files.js';

describe('a metrics port someone else holds', () => {
  it('is a notice in the status report and STATUS.md', async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const squatter = createServer();
    const port = await listenInRange(squatter);
    try {
      const { config } = writeConfig({ host: 'web', repo: origin.bare, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]), extra: { metrics: `127.0.0.1:${port}` } });
      const r = await agentOnceAsync(config);
      expect(r.exitCode, r.stderr).toBe(0);
      const notices = origin.statusOf('web').notices as string[];
      expect(notices).toEqual([expect.stringMatching(new RegExp(`metrics are not served on 127\\.0\\.0\\.1:${port}: .*another process holds that port`))]);
      expect(origin.statusFile('state/web/STATUS.md')).toContain(`metrics are not served on 127.0.0.1:${port}`);
    } finally {
      await closeServer(squatter);
    }
  });
});
