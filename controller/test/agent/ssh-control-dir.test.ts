// Where the agent keeps its ssh ControlMaster socket (finding 12): in its own
// state directory, or, when that path is too long for a socket, in a fresh
// mkdtemp folder; never in a predictable /tmp folder another user made first.
import { beforeAll, expect, it } from 'vitest';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { asUser, CAN_ACT_AS_USER, testUid } from '../helpers/local-user.js';
import { describeWith, requireComponent } from '../helpers/components.js';

/** An ssh that records its arguments and fails as an unreachable host does. */
function recordingSsh(dir: string): { env: Record<string, string>; args: () => string } {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const seen = path.join(dir, 'ssh-args');
  writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\necho "$@" >> ${seen}\necho "ssh: connect to host 10.255.255.1 port 22: Connection timed out" >&2\nexit 255\n`);
  chmodSync(path.join(bin, 'ssh'), 0o755);
  const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}` };
  if (process.env.GIT_SSH_COMMAND !== undefined) env.GIT_SSH_COMMAND = '';
  return { env, args: () => readFileSync(seen, 'utf8') };
}

const controlPath = (args: string) => /ControlPath=(\S+)\/ssh-%C/.exec(args)?.[1];

describeWith(CAN_ACT_AS_USER)('the ssh control folder', () => {
  beforeAll(() => requireComponent(CAN_ACT_AS_USER, 'root and setpriv', 'run the tests as root with util-linux installed'));

  it('is the state directory\'s agent folder, private to root', () => {
    const dir = tempDir();
    const ssh = recordingSsh(dir);
    const { config, stateDir } = writeConfig({ host: 'web', repo: 'ssh://git@10.255.255.1/fleet.git', dir, extra: { trust: { allowUnsigned: true } } });
    expect(agentOnce(config, ssh.env).exitCode).toBe(1);
    expect(controlPath(ssh.args())).toBe(path.join(stateDir, 'agent'));
    expect(lstatSync(path.join(stateDir, 'agent')).mode & 0o777).toBe(0o700);
  });

  it('is never the predictable /tmp folder a local user made first, when the state directory is long', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const ssh = recordingSsh(dir);
    const long = path.join(dir, 'a-long-state-directory-name-for-this-device', 'state');
    const { config, stateDir } = writeConfig({ host: 'web', repo: 'ssh://git@10.255.255.1/fleet.git', dir, extra: { trust: { allowUnsigned: true } } });
    writeFileSync(config, readFileSync(config, 'utf8').replace(`stateDir: ${stateDir}`, `stateDir: ${long}`));
    const predictable = path.join(os.tmpdir(), `converge-ssh-${createHash('sha256').update(path.join(long, 'agent')).digest('hex').slice(0, 12)}`);
    asUser(testUid(), 'mkdir', '-m', '0777', predictable);
    try {
      const r = agentOnce(config, ssh.env);
      expect(r.stderr).toContain('Connection timed out');
      const used = controlPath(ssh.args());
      expect(used).toBeDefined();
      expect(used).not.toBe(predictable);
      expect(used!.startsWith(path.join(os.tmpdir(), 'converge-ssh-'))).toBe(true);
      expect(existsSync(used!)).toBe(false); // removed when the agent is done
    } finally {
      asUser(testUid(), 'rmdir', predictable);
    }
  });
});
