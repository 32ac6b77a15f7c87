// Real remotes: ssh:// to an sshd on 127.0.0.1 and smart HTTP through git
// http-backend. A remote that goes down leaves reports queued in the state
// directory; when it is back they are all delivered, in order, none twice,
// also when the agent died right after a push.
import { beforeAll, expect, it } from 'vitest';
import { chmodSync, cpSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, requireComponent } from '../helpers/components.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, agentOnceAsync, writeConfig } from './support/agent.js';
import { smallFleet } from './support/fleet-files.js';
import { sshdAvailable, startSshd } from './support/sshd.js';
import { httpBackendAvailable, startGitHttp } from './support/http-git.js';

function signedOrigin(dir: string) {
  const key = sshKey(dir, 'alice');
  const origin = createOrigin(dir, smallFleet(), key);
  return { origin, signers: allowedSigners(path.join(dir, 'allowed'), [key]) };
}

describeWith(sshdAvailable())('over ssh://', () => {
  beforeAll(() => requireComponent(sshdAvailable(), 'sshd', 'apt-get install openssh-server (see .ci/run)'));

  it('pulls, converges and pushes its status through a real sshd', async () => {
    const dir = tempDir();
    const sshd = await startSshd(tempDir('converge-sshd-'));
    try {
      const { origin, signers } = signedOrigin(dir);
      const { config } = writeConfig({ host: 'web', repo: sshd.url(origin.bare), dir, allowedSigners: signers });
      const r = agentOnce(config, sshd.env);
      expect(r.exitCode, r.stderr).toBe(0);
      const head = git(origin.work, 'rev-parse', 'HEAD').trim();
      expect(origin.statusLog()).toEqual([`web: applied ${head.slice(0, 7)} (3 changed)`]);
    } finally {
      await sshd.stop();
    }
  });
});

describeWith(httpBackendAvailable())('over smart HTTP, with the remote going down and coming back', () => {
  beforeAll(() => requireComponent(httpBackendAvailable(), 'git http-backend', 'apt-get install git'));

  it('queues reports while the remote is down and delivers all of them in order, none twice', async () => {
    const dir = tempDir();
    const { origin, signers } = signedOrigin(dir);
    const server = await startGitHttp(dir);
    try {
      const { config, root, stateDir } = writeConfig({ host: 'web', repo: server.url('origin.git'), dir, allowedSigners: signers });
      const first = await agentOnceAsync(config);
      expect(first.exitCode, first.stderr).toBe(0);
      expect(origin.statusLog()).toHaveLength(1);

      await server.stop();
      const edits: [string, () => void][] = [
        ['file:/etc/app/app.conf', () => writeFileSync(path.join(root, 'etc/app/app.conf'), 'one\n')],
        ['file:/etc/app/motd', () => writeFileSync(path.join(root, 'etc/app/motd'), 'two\n')],
        ['directory:/etc/app', () => chmodSync(path.join(root, 'etc/app'), 0o700)],
      ];
      for (const [i, [id, edit]] of edits.entries()) {
        edit();
        const r = await agentOnceAsync(config);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stdout).toContain(`web: drift healed in ${id}`);
        expect(r.stdout).toContain(`status: ${i + 1} report${i ? 's' : ''} queued, not pushed: cannot`);
      }
      expect(origin.statusLog()).toHaveLength(1);
      const queued = readdirSync(path.join(stateDir, 'outbox')).filter((n) => /^\d{12}-/.test(n));
      expect(queued).toHaveLength(3);
      // Keep a copy of the queue, to put it back later as a kill -9 right after the push would leave it.
      const copy = path.join(dir, 'kept-outbox');
      cpSync(path.join(stateDir, 'outbox'), copy, { recursive: true });

      await server.start();
      const back = await agentOnceAsync(config);
      expect(back.exitCode, back.stderr).toBe(0);
      expect(back.stdout).toContain('status: pushed 3 reports to status');
      const log = origin.statusLog();
      expect(log.slice(0, 3)).toEqual(['web: drift healed in directory:/etc/app', 'web: drift healed in file:/etc/app/motd', 'web: drift healed in file:/etc/app/app.conf']);
      expect(log).toHaveLength(4);

      // The agent "died" after pushing but before dropping the reports from its queue: none is pushed again.
      cpSync(copy, path.join(stateDir, 'outbox'), { recursive: true });
      expect(readdirSync(path.join(stateDir, 'outbox')).filter((n) => /^\d{12}-/.test(n))).toHaveLength(3);
      const after = await agentOnceAsync(config);
      expect(after.exitCode, after.stderr).toBe(0);
      expect(origin.statusLog()).toHaveLength(4);
      expect(readdirSync(path.join(stateDir, 'outbox')).filter((n) => /^\d{12}-/.test(n))).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
