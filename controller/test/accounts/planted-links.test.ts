// A local user who controls the etc/ of a --root sandbox (an image tree a
// builder account owns) plants links where the user type reads the account
// files and writes the sudoers rule. Converge (root) must neither write the
// rule into the directory the link names (this machine's own sudoers.d) nor
// read another root's etc/shadow through one. The user is a real uid (setpriv).
import { beforeAll, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { asUser, CAN_ACT_AS_USER, testUid } from '../helpers/local-user.js';
import { describeWith, present, requireComponent } from '../helpers/components.js';

const available = CAN_ACT_AS_USER && present('/usr/sbin/useradd') && present('/usr/sbin/visudo');

/** A sandbox root whose etc/ belongs to the unprivileged `uid`, and a root-owned folder outside it standing for this machine's /etc. */
function sandbox(uid: number) {
  const root = tempDir();
  chmodSync(root, 0o755);
  const etc = path.join(root, 'etc');
  mkdirSync(etc, { mode: 0o755 });
  writeFileSync(path.join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(path.join(etc, 'group'), 'root:x:0:\nsudo:x:27:\n');
  writeFileSync(path.join(etc, 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(path.join(etc, 'gshadow'), 'root:*::\nsudo:*::\n', { mode: 0o640 });
  writeFileSync(path.join(etc, 'login.defs'), readFileSync('/etc/login.defs'));
  chownSync(etc, uid, uid);
  const machine = tempDir();
  chmodSync(machine, 0o755);
  mkdirSync(path.join(machine, 'sudoers.d'), { mode: 0o755 });
  writeFileSync(path.join(machine, 'shadow'), 'mdt:$6$machinehash$abc:19000:0:99999:7:::\n', { mode: 0o600 });
  const work = tempDir();
  return { root, etc, machine, state: path.join(work, 'state') };
}

function apply(yml: string, box: ReturnType<typeof sandbox>) {
  const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/accounts.yml': yml });
  const r = converge(['apply', '--json', '--repo', fleet.dir, '--host', 'box', '--root', box.root, '--state-dir', box.state]);
  const report = JSON.parse(r.stdout) as { resources: { id: string; status: string; error?: string }[] };
  return { exitCode: r.exitCode, mdt: report.resources.find((x) => x.id === 'user:mdt')! };
}

describeWith(available)('a local user\'s links in the accounts of a --root sandbox', () => {
  beforeAll(() => requireComponent(available, 'root, setpriv, useradd and visudo', 'run as root; apt-get install passwd sudo (.ci/run does)'));

  it('does not write the sudoers rule through a sudoers.d link the user planted', () => {
    const uid = testUid();
    const box = sandbox(uid);
    asUser(uid, 'ln', '-s', path.join(box.machine, 'sudoers.d'), path.join(box.etc, 'sudoers.d'));
    const { exitCode, mdt } = apply('resources:\n  - user: mdt\n    sudo: true\n', box);
    expect(exitCode).toBe(1);
    expect(mdt.status).toBe('failed');
    expect(mdt.error).toMatch(/refusing \/etc(\/sudoers\.d)?: /);
    expect(readdirSync(path.join(box.machine, 'sudoers.d'))).toEqual([]);
  });

  it('does not read account files through a link the user planted at etc/shadow', () => {
    const uid = testUid();
    const box = sandbox(uid);
    asUser(uid, 'rm', '-f', path.join(box.etc, 'shadow'));
    asUser(uid, 'ln', '-s', path.join(box.machine, 'shadow'), path.join(box.etc, 'shadow'));
    const { exitCode, mdt } = apply('resources:\n  - user: mdt\n    password: locked\n', box);
    expect(exitCode).toBe(1);
    expect(mdt.status).toBe('failed');
    expect(mdt.error).toMatch(/refusing \/etc(\/shadow)?: /);
    expect(readFileSync(path.join(box.machine, 'shadow'), 'utf8')).toBe('mdt:$6$machinehash$abc:19000:0:99999:7:::\n');
  });
});
