// A token written in the repo: URL (finding 11) logs the agent in through git's
// credential helper protocol, read from its environment: it is in no git
// command line (`ps` shows argv to every local user), in no config file of the
// state directory, and masked in every log line the agent writes.
import { beforeAll, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, requireComponent } from '../helpers/components.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { startAgent, writeConfig } from './support/agent.js';
import { smallFleet } from './support/fleet-files.js';
import { httpBackendAvailable, startGitHttp } from './support/http-git.js';

const TOKEN = 'ghp_SUPERSECRETTOKEN123';

describeWith(httpBackendAvailable())('credentials in the repo: URL', () => {
  beforeAll(() => requireComponent(httpBackendAvailable(), 'git http-backend', 'apt-get install git'));

  it('log in to a remote that needs them, without reaching git\'s arguments, config files or the log', async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const server = await startGitHttp(dir, 8100, undefined, `x-access-token:${TOKEN}`);
    // Every git the agent starts writes its arguments here first, as `ps` would show them.
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const argvLog = path.join(dir, 'git-argv.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${argvLog}\nexec ${realGit} "$@"\n`);
    chmodSync(path.join(bin, 'git'), 0o755);
    try {
      const url = server.url('origin.git').replace('http://', `http://x-access-token:${TOKEN}@`);
      const { config, stateDir } = writeConfig({ host: 'web', repo: url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]) });
      const agent = startAgent(config, { PATH: `${bin}:${process.env.PATH}` });
      const head = git(origin.work, 'rev-parse', 'HEAD').trim();
      await agent.until('the report', () => origin.statusLog().includes(`web: applied ${head.slice(0, 7)} (3 changed)`), 60_000);
      await agent.stop();
      expect(agent.log()).toContain('agent started');
      expect(agent.log()).toContain('x-access-token:***@127.0.0.1');
      expect(agent.log()).not.toContain(TOKEN);
      const argv = readFileSync(argvLog, 'utf8');
      expect(argv).toContain('ls-remote');
      expect(argv).not.toContain(TOKEN);
      for (const file of ['fleet/.git/config', 'status/config']) expect(readFileSync(path.join(stateDir, file), 'utf8')).not.toContain(TOKEN);
    } finally {
      await server.stop();
    }
  });
});
