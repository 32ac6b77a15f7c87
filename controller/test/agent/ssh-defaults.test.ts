// The agent's ssh, when the operator sets no GIT_SSH_COMMAND: no prompt, and
// no hang on a host that drops packets (a connect timeout and keep-alives),
// so a poll of an unreachable ssh:// remote fails in seconds, not minutes.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { agentOnce, writeConfig } from './support/agent.js';

describe('the default ssh command', () => {
  it('gives up on a host that does not answer instead of waiting for the kernel', () => {
    const dir = tempDir();
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const seen = path.join(dir, 'ssh-args');
    // An ssh that records how it was called and fails as an unreachable host does.
    writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\necho "$@" >> ${seen}\necho "ssh: connect to host 10.255.255.1 port 22: Connection timed out" >&2\nexit 255\n`);
    chmodSync(path.join(bin, 'ssh'), 0o755);
    const { config } = writeConfig({ host: 'web', repo: 'ssh://git@10.255.255.1/fleet.git', dir, extra: { trust: { allowUnsigned: true } } });
    const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}` };
    if (process.env.GIT_SSH_COMMAND !== undefined) env.GIT_SSH_COMMAND = '';
    const r = agentOnce(config, env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Connection timed out');
    const args = readFileSync(seen, 'utf8');
    for (const option of ['BatchMode=yes', 'ConnectTimeout=30', 'ServerAliveInterval=15', 'ServerAliveCountMax=4']) expect(args).toContain(option);
  });
});
