// Accounts under --root: the real shadow utils of this machine (useradd,
// usermod, groupmod with --prefix) act on a sandbox root's own etc/passwd,
// etc/group and etc/shadow, and the real visudo checks the sudoers rule.
// Nothing of this machine's own accounts is touched.
import { beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, present, requireComponent } from '../helpers/components.js';

const available = present('/usr/sbin/useradd') && present('/usr/sbin/visudo');

/** A root with the account files of a fresh Debian: root, a sudo group, nobody else, and this machine's login.defs. */
function sandboxRoot(): string {
  const root = tempDir();
  mkdirSync(path.join(root, 'etc'));
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nsudo:x:27:\nstaff:x:50:\n');
  writeFileSync(path.join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n');
  writeFileSync(path.join(root, 'etc/gshadow'), 'root:*::\nsudo:*::\nstaff:*::\n');
  for (const f of ['shadow', 'gshadow']) chmodSync(path.join(root, 'etc', f), 0o640);
  // Debian's defaults (a group of its own per user), as a real root has them
  writeFileSync(path.join(root, 'etc/login.defs'), readFileSync('/etc/login.defs'));
  return root;
}

const account = `resources:
  - user: mdt
    comment: converge automation
    shell: /bin/bash
    groups: [sudo]
    password: locked
    sudo: true
  - group: ops
    members: [mdt]
    requires: [user:mdt]
`;

function setup(yml = account, files: Record<string, string> = {}) {
  const root = sandboxRoot();
  const work = tempDir();
  const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/accounts.yml': yml, ...files });
  const args = ['--repo', fleet.dir, '--host', 'box', '--root', root, '--state-dir', path.join(work, 'state')];
  return { root, args, fleet, work };
}

const line = (root: string, file: string, name: string) => readFileSync(path.join(root, 'etc', file), 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));

describeWith(available)('user and group under --root', () => {
  beforeAll(() => requireComponent(available, 'useradd and visudo', 'apt-get install passwd sudo (.ci/run does)'));

  it('creates the automation account in the root, with its groups, a locked password and a checked sudoers rule; a second apply changes nothing', () => {
    const { root, args } = setup();
    const first = converge(['apply', ...args]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('changed   user:mdt');
    expect(line(root, 'passwd', 'mdt')).toBe('mdt:x:1000:1000:converge automation:/home/mdt:/bin/bash');
    expect(line(root, 'group', 'sudo')).toBe('sudo:x:27:mdt');
    expect(line(root, 'group', 'ops')).toMatch(/^ops:x:\d+:mdt$/);
    expect(line(root, 'shadow', 'mdt')).toMatch(/^mdt:!/);
    expect(existsSync(path.join(root, 'home/mdt'))).toBe(true);
    const sudoers = path.join(root, 'etc/sudoers.d/converge-mdt');
    expect(readFileSync(sudoers, 'utf8')).toBe('# managed by converge: sudo rights of mdt\nmdt ALL=(ALL:ALL) NOPASSWD: ALL\n');
    expect((statSync(sudoers).mode & 0o777).toString(8)).toBe('440');
    // this machine's own accounts are untouched
    expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^mdt:/m);

    const again = converge(['plan', ...args]);
    expect(again.exitCode, again.stdout).toBe(0);
  });

  it('sees a shell, a group membership and a password changed by hand as drift, and heals them', () => {
    const { root, args } = setup();
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    execFileSync('usermod', ['--prefix', root, '--shell', '/bin/sh', 'mdt']);
    execFileSync('gpasswd', ['-Q', root, '-d', 'mdt', 'sudo'], { stdio: 'ignore' });
    execFileSync('chpasswd', ['--root', root, '--encrypted'], { input: 'mdt:$6$salt$handset\n' });
    writeFileSync(path.join(root, 'etc/group'), readFileSync(path.join(root, 'etc/group'), 'utf8').replace(/^(ops:x:\d+):mdt$/m, '$1:mdt,root'));
    const plan = converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ user:mdt  (drift: changed by hand since the last converge)');
    expect(plan.stdout).toContain('    shell /bin/sh → /bin/bash');
    expect(plan.stdout).toContain('    groups ops → ops, sudo');
    expect(plan.stdout).toContain('    password set → locked');
    expect(plan.stdout).toContain('    members mdt, root → mdt');
    const healed = converge(['apply', ...args]);
    expect(healed.exitCode, healed.stdout + healed.stderr).toBe(0);
    expect(line(root, 'passwd', 'mdt')).toMatch(/:\/bin\/bash$/);
    expect(line(root, 'group', 'sudo')).toBe('sudo:x:27:mdt');
    expect(line(root, 'group', 'ops')).toMatch(/^ops:x:\d+:mdt$/);
    expect(line(root, 'shadow', 'mdt')).toMatch(/^mdt:!\$6\$salt\$handset:/);
    expect(converge(['plan', ...args]).exitCode).toBe(0);
  });

  it('keeps the sudoers rule in place when visudo refuses the new one, and says why', () => {
    const { root, args, fleet } = setup();
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    const sudoers = path.join(root, 'etc/sudoers.d/converge-mdt');
    const before = readFileSync(sudoers, 'utf8');
    // "/" alone is no command: visudo -cf says "syntax error"
    writeFileSync(path.join(fleet.dir, 'hosts/box/accounts.yml'), account.replace('sudo: true', 'sudo: { commands: ["/"] }'));
    const r = converge(['apply', '--json', ...args]);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as { resources: { id: string; status: string; error?: string }[] };
    const mdt = report.resources.find((x) => x.id === 'user:mdt')!;
    expect(mdt.status).toBe('failed');
    expect(mdt.error).toContain('visudo -cf refused the sudoers rule, so it was not put in place');
    expect(readFileSync(sudoers, 'utf8')).toBe(before);
    expect(readFileSync(path.dirname(sudoers) + '/' + 'converge-mdt', 'utf8')).toBe(before);
    expect(execFileSync('ls', ['-A', path.dirname(sudoers)], { encoding: 'utf8' }).trim()).toBe('converge-mdt'); // no temp file left
  });

  it('sets a password hash read from the secret backend through stdin, never printing it', () => {
    const hash = '$6$rounds=5000$saltsalt$3Q8dQ0y3rZ1hZq2Jw1d0pXbY8X5Vq9mF7sH1tR6uK4eN2cL0aB9zW8xY7vU6tS5rQ4pO3nM2lK1jI0hG9fE8d.';
    const { root, args, work, fleet } = setup(account.replace('password: locked', 'password: { hashSecret: mdt-password-hash }'));
    const secrets = path.join(work, 'secrets.json');
    writeFileSync(secrets, JSON.stringify({ 'mdt-password-hash': hash }), { mode: 0o600 });
    const config = path.join(work, 'config.yml');
    writeFileSync(config, `host: box\nrepo: file://${fleet.dir}\nsecrets:\n  file: ${secrets}\n`);
    const r = converge(['apply', '--json', '--config', config, ...args]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(line(root, 'shadow', 'mdt')!.split(':')[1]).toBe(hash);
    expect(r.stdout + r.stderr).not.toContain('saltsalt');
    expect(r.stdout).toContain('(secret)');
    expect(converge(['plan', '--config', config, ...args]).exitCode).toBe(0);

    // a value that would add a second line to chpasswd's input is refused
    writeFileSync(secrets, JSON.stringify({ 'mdt-password-hash': `${hash}\nroot:$6$x$y` }), { mode: 0o600 });
    const bad = converge(['apply', '--json', '--config', config, ...args]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain("Key Vault secret 'mdt-password-hash' is not a crypt(3) hash");
    expect(line(root, 'shadow', 'root')).toBe('root:*:19000:0:99999:7:::');
  });

  it('reports, without running anything, what it would do in a root that has no account files', () => {
    const root = tempDir();
    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/accounts.yml': account });
    const r = converge(['apply', '--repo', fleet.dir, '--host', 'box', '--root', root, '--state-dir', path.join(root, '.state')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('has no etc/passwd, so there are no accounts to manage under it; would run: useradd --groups sudo --comment');
    expect(existsSync(path.join(root, 'etc'))).toBe(false);
  });

  it('removes an account it manages with ensure: absent (its home stays), and its sudoers rule', () => {
    const { root, args, fleet } = setup();
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    writeFileSync(path.join(fleet.dir, 'hosts/box/accounts.yml'), 'resources:\n  - user: mdt\n    ensure: absent\n');
    const r = converge(['apply', ...args]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(line(root, 'passwd', 'mdt')).toBeUndefined();
    expect(existsSync(path.join(root, 'etc/sudoers.d/converge-mdt'))).toBe(false);
    expect(existsSync(path.join(root, 'home/mdt'))).toBe(true);
  });
});
