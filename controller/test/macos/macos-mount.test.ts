// SMB mounts on macOS, through a FAKE runner answering like macOS (the mount
// table in the format Macs print it, fixtures/macos/mount-table.txt): the helper and
// the user's LaunchAgent, the password in the System keychain through
// `security -i` on stdin (never on a command line), mount and remount.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMacMounts, shareKey } from '../../src/resources/mount/macos-mounts.js';
import { MOUNT_HELPER } from '../../src/resources/mount/macos-helper.js';
import { keychainCommand } from '../../src/resources/mount/macos-provider.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';
import { runs } from '../helpers/components.js';

const FIXTURE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/macos/mount-table.txt'), 'utf8');

describe('the macOS mount table', () => {
  it('is read with spaces in mount points and who mounted it', () => {
    const mounts = parseMacMounts(FIXTURE);
    expect(mounts.find((m) => m.point === '/Volumes/Media')).toEqual({ device: '//guest@nas.example.net/Media', point: '/Volumes/Media', fstype: 'smbfs', options: ['nodev', 'nosuid'], mountedBy: 'alice' });
    expect(mounts.find((m) => m.point === '/Volumes/My Disk')?.fstype).toBe('hfs');
    expect(shareKey('//guest@nas.example.net/Media')).toBe('nas.example.net/media');
  });

  it('the helper is a valid sh script', () => {
    const file = path.join(tempDir(), 'smb-mount');
    writeFileSync(file, MOUNT_HELPER);
    expect(spawnSync('sh', ['-n', file]).status).toBe(0);
    if (runs('shellcheck', ['--version'])) expect(spawnSync('shellcheck', ['-s', 'sh', file], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('quotes the keychain command for security -i', () => {
    expect(keychainCommand('mike', 'motoko.pangolin-vega.ts.net', 'p"w\\x')).toContain('-w "p\\"w\\\\x" /Library/Keychains/System.keychain');
  });
});

function macFleet() {
  return createFleet({
    'hosts/mac/host.yml': 'os: macos\nvars:\n  user: mike\n',
    'hosts/mac/mounts.yml': [
      'resources:',
      '  - mount: ~/.mkt/flux',
      '    device: //motoko.pangolin-vega.ts.net/flux',
      '    credentials: /etc/converge/secrets/smb-motoko.cred',
      '',
    ].join('\n'),
  });
}

describe('an SMB mount on a macOS host', () => {
  it('installs the helper and agent, stores the password via stdin, mounts as the user, remounts a lost mount', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'etc/converge/secrets'), { recursive: true });
    writeFileSync(path.join(root, 'etc/converge/secrets/smb-motoko.cred'), 'username=demo-smb-user\npassword=s3cret-smb\n', { mode: 0o600 });
    const world = { mounted: false, keychain: null as string | null, loaded: new Set<string>() };
    const runner = fakeRunner('macos', {}, {
      id: () => ({ stdout: '501\n' }),
      '/sbin/mount': () => ({ stdout: FIXTURE + (world.mounted ? '//mike@motoko.pangolin-vega.ts.net/flux on /Users/mike/.mkt/flux (smbfs, nodev, nosuid, mounted by mike)\n' : '') }),
      '/sbin/umount': () => ((world.mounted = false), {}),
      security: (args, o) => {
        if (args[0] === 'find-internet-password') return world.keychain ? { stdout: world.keychain + '\n' } : { exitCode: 44, stderr: 'security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.' };
        expect(args).toEqual(['-i']); // the password travels on stdin
        world.keychain = /-w "([^"]*)"/.exec(o.input ?? '')![1]!;
        return {};
      },
      launchctl: (args) => {
        if (args[0] === 'print') return world.loaded.has(args[1]!) ? { stdout: `${args[1]} = {\n\tstate = not running\n}\n` } : { exitCode: 113, stderr: 'Could not find service' };
        if (args[0] === 'bootstrap') world.loaded.add(`${args[1]}/dev.converge.mount.users-mike-mkt-flux`);
        if (args[0] === 'kickstart') world.mounted = true; // the helper ran in mike's session
        return {};
      },
    });
    const first = await engineRun(macFleet().dir, 'mac', root, runner);
    expect(first.report.summary, first.lines.join('\n')).toMatchObject({ changed: 1, failed: 0 });
    expect(world.keychain).toBe('s3cret-smb');
    expect(JSON.stringify(first.report)).not.toContain('s3cret-smb');
    expect(runner.runs.some((r) => r.args.includes('s3cret-smb'))).toBe(false);
    const plist = readFileSync(path.join(root, 'Users/mike/Library/LaunchAgents/dev.converge.mount.users-mike-mkt-flux.plist'), 'utf8');
    // The SMB account (a vault secret) is in no 0644 plist and no argument of the helper: it reads it from the user's 0600 file.
    expect(plist).toContain('<string>//motoko.pangolin-vega.ts.net/flux</string>');
    expect(plist).not.toContain('demo-smb-user');
    const account = path.join(root, 'Users/mike/Library/Application Support/converge/dev.converge.mount.users-mike-mkt-flux.account');
    expect(plist).toContain(`<string>/Users/mike/Library/Application Support/converge/dev.converge.mount.users-mike-mkt-flux.account</string>`);
    expect(readFileSync(account, 'utf8')).toBe('demo-smb-user\n');
    expect(statSync(account).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(first.report)).not.toContain('demo-smb-user');
    expect(runner.runs.filter((r) => r.file !== 'security').some((r) => r.args.some((a) => a.includes('demo-smb-user')))).toBe(false);
    expect(plist).toContain('<string>soft,nobrowse</string>');
    expect(plist).toContain('<string>/Library/Preferences/SystemConfiguration</string>');

    expect((await engineRun(macFleet().dir, 'mac', root, runner, 'plan')).report.summary.pending).toBe(0);
    world.mounted = false; // lost after sleep, and the helper has not run yet
    const heal = await engineRun(macFleet().dir, 'mac', root, runner);
    expect(heal.lines).toContain('mount:/Users/mike/.mkt/flux: mounted false → //motoko.pangolin-vega.ts.net/flux');
    expect(world.mounted).toBe(true);
  });

  it('under --root on Linux shows the helper, the agent and the commands', () => {
    const plan = converge(['plan', '--repo', macFleet().dir, '--host', 'mac', '--root', tempDir()]);
    expect(plan.stdout).toContain('file /usr/local/converge/libexec/smb-mount');
    expect(plan.stdout).toContain('agent /Users/mike/Library/LaunchAgents/dev.converge.mount.users-mike-mkt-flux.plist');
    expect(plan.stdout).toContain('launchctl bootstrap gui/$(id -u mike) /Users/mike/Library/LaunchAgents/dev.converge.mount.users-mike-mkt-flux.plist');
    expect(plan.stdout).toContain('# runs: /usr/local/converge/libexec/smb-mount /Users/mike/.mkt/flux //motoko.pangolin-vega.ts.net/flux soft,nobrowse');
  });
});
