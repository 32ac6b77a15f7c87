// `plan/apply --config` as root takes the fleet from the agent's own clone,
// never from a hosts/ folder found above the working directory (finding 10):
// a local user who plants one in a world-writable directory where root
// happens to work must not have their manifests rendered or applied as root.
import { beforeAll, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { converge } from '../helpers/cli.js';
import { createFleet, git } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { asUser, CAN_ACT_AS_USER, testUid } from '../helpers/local-user.js';
import { describeWith, requireComponent } from '../helpers/components.js';

const lab = (stateDir: string) => path.dirname(stateDir);
const PLANTED = 'resources:\n  - file: /srv/planted\n    content: "from a local user\\n"\n';

/** A 1777 directory in which the user planted hosts/lab/, and root's working directory below it. */
function plantedFleet(): { cwd: string; root: string; config: string; stateDir: string } {
  const lab = tempDir();
  chmodSync(lab, 0o755);
  const ww = path.join(lab, 'ww');
  mkdirSync(ww);
  chmodSync(ww, 0o1777);
  const uid = testUid();
  asUser(uid, 'mkdir', '-p', path.join(ww, 'hosts/lab'));
  asUser(uid, 'sh', '-c', `printf 'os: linux\\n' > ${ww}/hosts/lab/host.yml && printf '${PLANTED.replace(/\n/g, '\\n').replace(/"/g, '\\"')}' > ${ww}/hosts/lab/x.yml`);
  const cwd = path.join(ww, 'adminwork');
  mkdirSync(cwd);
  const root = path.join(lab, 'root');
  const stateDir = path.join(lab, 'state');
  const config = path.join(lab, 'config.yml');
  writeFileSync(config, `host: lab\nrepo: file:///nonexistent.git\nroot: ${root}\nstateDir: ${stateDir}\ntrust:\n  allowUnsigned: true\n`);
  return { cwd, root, config, stateDir };
}

describeWith(CAN_ACT_AS_USER)('the fleet a root plan or apply uses', () => {
  beforeAll(() => requireComponent(CAN_ACT_AS_USER, 'root and setpriv', 'run the tests as root with util-linux installed'));

  it('with --config is the agent\'s clone, not hosts/ above the working directory', () => {
    const { cwd, root, config, stateDir } = plantedFleet();
    for (const command of ['plan', 'apply']) {
      const r = converge([command, '--config', config], { cwd });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`the agent's clone ${path.join(stateDir, 'fleet')} does not exist yet`);
    }
    expect(existsSync(path.join(root, 'srv/planted'))).toBe(false);
    // Once the agent has its clone, that is what runs.
    const clone = createFleet({ 'hosts/lab/host.yml': 'os: linux\n', 'hosts/lab/a.yml': 'resources:\n  - file: /srv/from-clone\n    content: "signed\\n"\n' });
    git(lab(stateDir), 'clone', '-q', clone.dir, path.join(stateDir, 'fleet'));
    const r = converge(['apply', '--config', config], { cwd });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(root, 'srv/from-clone'))).toBe(true);
    expect(existsSync(path.join(root, 'srv/planted'))).toBe(false);
  });

  it('without --repo refuses a hosts/ found around the working directory that a local user owns', () => {
    const { cwd, root } = plantedFleet();
    const r = converge(['apply', '--host', 'lab', '--root', root], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ww\/hosts, found around the working directory, is owned by uid \d+: a run as root takes no manifests/);
    expect(existsSync(path.join(root, 'srv/planted'))).toBe(false);
  });
});
