// A local unprivileged user (a real uid, through setpriv) plants links and hard
// links where converge, as root, writes, chmods and reads for reports: the
// review's findings 2, 3 and 6, run under both ways the safe-path layer walks
// (Linux's /proc/self/fd, and the portable one macOS gets).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { entry, runOnce } from '../helpers/engine.js';
import { asUser, CAN_ACT_AS_USER, userSandbox } from '../helpers/local-user.js';
import type { UserSandbox } from '../helpers/local-user.js';
import { describeWith, requireComponent } from '../helpers/components.js';
import { safePathStrategy } from '../../src/platform/safe-path.js';
import type { SafePathStrategy } from '../../src/platform/safe-path.js';

const host = 'os: linux\nvars:\n  user: mike\n';
const ROOT_KEY = 'ssh-ed25519 AAAArootskey root@server\n';

/** The sandbox with root's /root/.ssh/authorized_keys and a /home/mike/.ssh link mike planted to it. */
function plantedSshLink(): UserSandbox {
  const box = userSandbox();
  mkdirSync(path.join(box.root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(box.root, 'root/.ssh/authorized_keys'), ROOT_KEY, { mode: 0o600 });
  asUser(box.uid, 'ln', '-s', '../../root/.ssh', path.join(box.home, '.ssh'));
  return box;
}

function manifest(lines: string[]) {
  return createFleet({ 'hosts/box/host.yml': host, 'hosts/box/a.yml': ['resources:', ...lines, ''].join('\n') });
}

for (const strategy of ['proc', 'portable'] as SafePathStrategy[]) {
  describeWith(CAN_ACT_AS_USER)(`a local user's planted links (${strategy} walk)`, () => {
    const before = safePathStrategy();
    beforeAll(() => {
      requireComponent(CAN_ACT_AS_USER, 'root and setpriv', 'run the tests as root with util-linux installed');
      safePathStrategy(strategy);
    });
    afterAll(() => void safePathStrategy(before));

    it('never writes root\'s authorized_keys through a user\'s ~/.ssh link (finding 3), and says which component and why', async () => {
      const box = plantedSshLink();
      const fleet = manifest(['  - file: ~/.ssh/authorized_keys', '    content: "ssh-ed25519 AAAAmikeskey mike@laptop\\n"', '    mode: "0644"', '    owner: mike']);
      const report = await runOnce(fleet.dir, 'box', box.root);
      const e = entry(report, 'file:/home/mike/.ssh/authorized_keys');
      expect(e.status).toBe('failed');
      expect(e.error).toMatch(/refusing \/home\/mike\/\.ssh: it is a symbolic link owned by uid \d+/);
      const keys = path.join(box.root, 'root/.ssh/authorized_keys');
      expect(readFileSync(keys, 'utf8')).toBe(ROOT_KEY);
      expect(lstatSync(keys)).toMatchObject({ uid: 0, mode: expect.any(Number) });
      expect(lstatSync(keys).mode & 0o777).toBe(0o600);
      expect(readdirSync(path.join(box.root, 'root/.ssh'))).toEqual(['authorized_keys']);
    });

    it('creates no directory, link or env file through the planted link either', async () => {
      const box = plantedSshLink();
      const fleet = manifest(['  - directory: ~/.ssh/d', '  - symlink: ~/.ssh/l', '    target: /etc/passwd', '  - file: ~/.ssh/x', '    ensure: absent']);
      const report = await runOnce(fleet.dir, 'box', box.root);
      expect(entry(report, 'directory:/home/mike/.ssh/d').error).toMatch(/refusing \/home\/mike\/\.ssh: it is a symbolic link/);
      expect(entry(report, 'symlink:/home/mike/.ssh/l').error).toMatch(/refusing \/home\/mike\/\.ssh: it is a symbolic link/);
      expect(entry(report, 'file:/home/mike/.ssh/x').error).toMatch(/refusing \/home\/mike\/\.ssh/);
      expect(readdirSync(path.join(box.root, 'root/.ssh'))).toEqual(['authorized_keys']);
    });

    it('does not chown or chmod a file hard-linked to another inode (finding 6, /etc/sudoers)', async () => {
      const box = userSandbox();
      const sudoers = path.join(box.root, 'etc/sudoers');
      writeFileSync(sudoers, 'root ALL=(ALL) ALL\n', { mode: 0o440 });
      chmodSync(sudoers, 0o440);
      // As in the review, made by root: Linux's protected_hardlinks stops the user; macOS has no such protection.
      linkSync(sudoers, path.join(box.home, 'notes.txt'));
      const fleet = manifest(['  - file: ~/notes.txt', '    owner: mike', '    mode: "0600"']);
      const report = await runOnce(fleet.dir, 'box', box.root);
      const e = entry(report, 'file:/home/mike/notes.txt');
      expect(e.status).toBe('failed');
      expect(e.error).toMatch(/refusing \/home\/mike\/notes\.txt: it has 2 hard links/);
      expect(lstatSync(sudoers)).toMatchObject({ uid: 0 });
      expect(lstatSync(sudoers).mode & 0o777).toBe(0o440);
    });

    it('puts no root-only file reached through a user\'s link or hard link into the status file (finding 2)', async () => {
      const box = userSandbox();
      const secrets = path.join(box.root, 'etc/converge/secrets.json');
      mkdirSync(path.dirname(secrets), { mode: 0o700 });
      writeFileSync(secrets, JSON.stringify({ 'openai-api-key': 'sk-REAL-SECRET-VALUE-123456' }), { mode: 0o600 });
      writeFileSync(path.join(box.root, 'etc/converge/other.json'), JSON.stringify({ token: 'ghp_registrytokenXYZ987' }), { mode: 0o600 });
      asUser(box.uid, 'mkdir', path.join(box.home, 'ingest'));
      asUser(box.uid, 'ln', '-s', secrets, path.join(box.home, 'ingest/icloud.json'));
      linkSync(path.join(box.root, 'etc/converge/other.json'), path.join(box.home, 'ingest/onedrive.json'));
      asUser(box.uid, 'sh', '-c', `echo '{"copied": 3}' > ${path.join(box.home, 'ingest/own.json')}`);
      const fleet = manifest([
        '  - statusFile: /space/devices/_status.json',
        '    include:',
        '      ingestion.icloud: ~/ingest/icloud.json',
        '      ingestion.onedrive: ~/ingest/onedrive.json',
        '      ingestion.own: ~/ingest/own.json',
      ]);
      const report = await runOnce(fleet.dir, 'box', box.root);
      const text = readFileSync(path.join(box.root, 'space/devices/_status.json'), 'utf8');
      expect(text).not.toMatch(/sk-REAL|ghp_registry/);
      expect(JSON.stringify(report)).not.toMatch(/sk-REAL|ghp_registry/);
      const doc = JSON.parse(text) as { ingestion: Record<string, unknown> };
      expect(doc.ingestion.icloud).toMatchObject({ state: 'refused', reason: expect.stringMatching(/symbolic link/) });
      expect(doc.ingestion.onedrive).toMatchObject({ state: 'refused', reason: expect.stringMatching(/hard links/) });
      expect(doc.ingestion.own).toEqual({ copied: 3 });
    });

    it('still manages the user\'s own files and directories in their home', async () => {
      const box = userSandbox();
      asUser(box.uid, 'mkdir', '-p', path.join(box.home, '.config/app'));
      const fleet = manifest(['  - file: ~/.config/app/settings', '    content: "x\\n"', '    owner: mike', '  - directory: ~/.mkt', '    owner: mike', '    mode: "0700"']);
      const report = await runOnce(fleet.dir, 'box', box.root);
      expect(report.summary).toMatchObject({ failed: 0 });
      expect(lstatSync(path.join(box.home, '.config/app/settings')).uid).toBe(box.uid);
      expect(existsSync(path.join(box.home, '.mkt'))).toBe(true);
      expect((await runOnce(fleet.dir, 'box', box.root)).summary).toMatchObject({ changed: 0, failed: 0 });
    });
  });
}
