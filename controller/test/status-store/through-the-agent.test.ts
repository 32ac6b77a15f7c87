// The whole path at scale, as a user runs it: the real agent (`converge agent
// --once`) with `status: { store: azure-blob }` writes its report to its own
// blob in Azurite (through a SAS scoped to it), the fleet repository served
// over smart HTTP by git http-backend; `converge status aggregate --once`
// commits it; `converge status` shows the host. Switching back is a config change.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeWith, requireComponent } from '../helpers/components.js';
import { azuriteAvailable, startAzurite } from '../helpers/azurite.js';
import type { Azurite } from '../helpers/azurite.js';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, sshKey } from '../agent/support/origin.js';
import { agentOnceAsync, writeConfig } from '../agent/support/agent.js';
import { smallFleet } from '../agent/support/fleet-files.js';
import { httpBackendAvailable, startGitHttp } from '../agent/support/http-git.js';
import { convergeAsync } from '../helpers/cli-async.js';
import { hostConfig, keyConfig, makeContainer } from './support/store.js';

let azurite: Azurite;

describeWith(azuriteAvailable() && httpBackendAvailable())('the agent reporting through the status store', () => {
  beforeAll(async () => {
    requireComponent(azuriteAvailable(), 'azurite', 'npm ci (azurite is a dev dependency)');
    requireComponent(httpBackendAvailable(), 'git http-backend', 'apt-get install git');
    azurite = await startAzurite();
  });
  afterAll(async () => azurite?.close());

  it('agent → its blob → aggregator → status branch → converge status; then back to direct pushes by a config change', async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const signers = allowedSigners(path.join(dir, 'allowed_signers'), [key]);
    const server = await startGitHttp(dir);
    try {
      await makeContainer(azurite, 'fleet-status');
      const hostKey = sshKey(dir, 'web-key');
      const store = hostConfig(azurite, 'fleet-status', 'web', dir, { signingKey: hostKey.key });
      const agent = writeConfig({ host: 'web', repo: server.url('origin.git'), dir, allowedSigners: signers, extra: { status: store } });
      const first = await agentOnceAsync(agent.config);
      expect(first.exitCode, first.stderr).toBe(0);
      const head = git(origin.work, 'rev-parse', 'HEAD').trim();
      // The device pushed nothing to the forge: the report waits in the store.
      expect(origin.statusLog()).toEqual([]);

      const aggregator = path.join(dir, 'aggregator.yml');
      const { key: aggKey } = sshKey(dir, 'aggregator-key');
      writeFileSync(aggregator, JSON.stringify({ host: 'aggregator', repo: server.url('origin.git'), stateDir: path.join(dir, 'agg-state'), trust: { allowUnsigned: true }, status: keyConfig(azurite, 'fleet-status', dir, { signingKey: aggKey }) }));
      const agg = await convergeAsync(['status', 'aggregate', '--once', '--config', aggregator, '--log-level', 'warn']);
      expect(agg.exitCode, agg.stderr).toBe(0);
      expect(agg.stdout).toMatch(/^committed 1 event\(s\) of 1 host\(s\)/);
      expect(origin.statusLog()).toEqual([`web: applied ${head.slice(0, 7)} (3 changed)`]);
      expect(git(origin.bare, 'ls-tree', '-r', '--name-only', 'status')).toBe('state/index.json\nstate/web/STATUS.md\nstate/web/status.json\nstate/web/status.json.sig\n');

      const status = await convergeAsync(['status', '--repo', server.url('origin.git'), '--json']);
      expect(status.exitCode, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).hosts).toMatchObject([{ host: 'web', result: 'changed', applied: head }]);

      // Back to direct pushes: the same device without status: pushes its next report itself, beside the aggregated one.
      origin.commit({ 'hosts/web/extra.yml': 'resources:\n  - file: /etc/app/extra\n    content: "x\\n"\n' }, { key });
      const direct = writeConfig({ host: 'web', repo: server.url('origin.git'), dir, allowedSigners: signers });
      const second = await agentOnceAsync(direct.config);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(origin.statusLog()[0]).toMatch(/^web: applied [0-9a-f]{7} \(1 changed\)$/);
      const after = await convergeAsync(['status', '--repo', server.url('origin.git'), '--json']);
      expect(JSON.parse(after.stdout).hosts).toMatchObject([{ host: 'web', result: 'changed', behind: 0 }]);
    } finally {
      await server.stop();
    }
  });
});
