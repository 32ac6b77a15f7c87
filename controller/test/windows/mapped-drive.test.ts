// mappedDrive: the user helper and the logon task it needs, the persisted
// mapping read back from the user's profile, drift healed by re-running the
// task. Driven through a FAKE runner that answers as Windows would (the
// helper's report carries Get-SmbMapping's Status values, see
// fixtures/windows/get-smbmapping.txt).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HELPER_SCRIPT } from '../../src/resources/mapped-drive/helper-script.js';
import { DRIVE_SCRIPTS } from '../../src/resources/mapped-drive/powershell.js';
import { helperReport } from '../../src/resources/mapped-drive/provider.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import type { FakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

const SHARE = '\\\\motoko.pangolin-vega.ts.net';

function drivesFleet() {
  return createFleet({
    'hosts/gpu/host.yml': 'os: windows\nvars:\n  user: mike\n',
    'hosts/gpu/drives.yml': [
      'resources:',
      ...['X:flux', 'S:space', 'T:time'].map((d) => `  - mappedDrive: "${d.slice(0, 2)}"\n    remote: '${SHARE}\\${d.slice(2)}'\n    credentials: C:/ProgramData/converge/secrets/smb.env`),
      '',
    ].join('\n'),
  });
}

/** A FAKE Windows: a task store, mike's profile (HKU\<SID>\Network) and the helper, which maps what is configured. */
function fakeWindows(root: string, options: { loggedOn?: boolean } = {}) {
  // What the envFile resource renders (SYSTEM and Administrators only on Windows).
  mkdirSync(path.join(root, 'C/ProgramData/converge/secrets'), { recursive: true });
  writeFileSync(path.join(root, 'C/ProgramData/converge/secrets/smb.env'), '# converge envFile smb\nusername=mike\npassword=s3cret-smb-pass\n');
  const world = { task: null as null | { xml: string; state: string }, network: {} as Record<string, string>, loggedOn: options.loggedOn ?? true, helperRuns: 0, status: 'OK' };
  const runner: FakeRunner = fakeRunner('windows', {
    'Get-ConvergeTask': () => (world.task ? { found: true, state: world.task.state, xml: world.task.xml, groupId: 'BUILTIN\\Users' } : { found: false }),
    'Register-ConvergeTask': (p) => void (world.task = { xml: String(p.Xml), state: 'Ready' }),
    'Get-ConvergeDriveState': (p) => {
      const letter = String(p.Letter);
      const helper = { user: 'mike', time: '2026-11-25T10:00:00Z', drives: Object.entries(world.network).map(([l, remote]) => ({ letter: `${l}:`, remote, ok: world.status === 'OK', action: 'kept', message: '', smb: { Status: world.status, LocalPath: `${l}:`, RemotePath: remote } })) };
      return world.loggedOn
        ? { sid: 'S-1-5-21-1-2-3-1001', loaded: true, remote: world.network[letter[0]!] ?? null, helper: '\uFEFF' + JSON.stringify(helper) }
        : { sid: 'S-1-5-21-1-2-3-1001', loaded: false, remote: null, helper: null };
    },
    'Invoke-ConvergeTaskAndWait': () => {
      world.helperRuns++;
      // What the helper does in mike's session: map every configured drive.
      const dir = path.join(root, 'C/ProgramData/converge/drives');
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
        const d = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { letter: string; remote: string };
        world.network[d.letter[0]!] = d.remote;
      }
      world.status = 'OK';
      return { state: 'Ready', lastResult: 0 };
    },
  }, {
    'icacls.exe': (args) => {
      // What the folder or file held at the moment its ACL was set: the order that keeps a secret unreadable.
      const local = args[0]!.replace(/\\/g, '/');
      aclSeen.push(existsSync(local) && statSync(local).isDirectory() ? { dir: local, entries: readdirSync(local) } : { file: local, bytes: existsSync(local) ? readFileSync(local, 'utf8').length : -1 });
      return { stdout: 'processed file: …\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n' };
    },
  });
  const aclSeen: ({ dir: string; entries: string[] } | { file: string; bytes: number })[] = [];
  return { world, runner, aclSeen };
}

describe('mapped drives on a Windows host', () => {
  it('installs the helper and one logon task for Users, maps through it, heals drift', async () => {
    const fleet = drivesFleet();
    const root = tempDir();
    const { world, runner, aclSeen } = fakeWindows(root);

    const first = await engineRun(fleet.dir, 'gpu', root, runner);
    expect(first.report.summary).toMatchObject({ changed: 3, failed: 0 });
    expect(runner.requests.filter((r) => r.name === 'Register-ConvergeTask')).toHaveLength(1); // one task for all drives
    const xml = world.task!.xml;
    expect(xml).toContain('<GroupId>S-1-5-32-545</GroupId>');
    expect(xml).toContain('<RunLevel>LeastPrivilege</RunLevel>');
    expect(xml).toContain('<LogonTrigger>');
    expect(xml).toContain('map-drives.ps1');
    expect(world.network).toEqual({ X: `${SHARE}\\flux`, S: `${SHARE}\\space`, T: `${SHARE}\\time` });
    expect(JSON.parse(readFileSync(path.join(root, 'C/ProgramData/converge/drives/X.json'), 'utf8'))).toEqual({ letter: 'X:', remote: `${SHARE}\\flux`, user: 'mike', credentials: 'C:\\ProgramData\\converge\\drives\\credentials-mike.env' });
    // mike's own copy of the two lines, readable by him (the helper runs as him), never shown
    expect(readFileSync(path.join(root, 'C/ProgramData/converge/drives/credentials-mike.env'), 'utf8')).toBe('username=mike\npassword=s3cret-smb-pass\n');
    const acls = runner.runs.filter((r) => r.file === 'icacls.exe').map((r) => r.args);
    // users may read the drives folder, never write it (H3: no drive file planted for another user's session)
    expect(acls[0]).toEqual(['C:\\ProgramData\\converge\\drives', '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)(F)', '*S-1-5-32-544:(OI)(CI)(F)', '*S-1-5-32-545:(OI)(CI)(RX)']);
    // the credential copy is born restricted (H2): a fresh folder is restricted while empty, the file is made in it and
    // restricted before it is renamed into place, never readable by other users, not even for a moment
    expect(acls[1]).toEqual([expect.stringMatching(/drives\\\.converge-private-\w+$/), '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)(F)', '*S-1-5-32-544:(OI)(CI)(F)', 'mike:(OI)(CI)(R)']);
    expect(aclSeen[1]).toMatchObject({ entries: [] });
    expect(acls[2]).toEqual([expect.stringMatching(/\.converge-private-\w+\\credentials-mike\.env$/), '/inheritance:r', '/grant:r', '*S-1-5-18:(F)', '*S-1-5-32-544:(F)', 'mike:(R)']);
    expect(aclSeen[2]).toMatchObject({ bytes: 'username=mike\npassword=s3cret-smb-pass\n'.length });
    expect(readdirSync(path.join(root, 'C/ProgramData/converge/drives')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(JSON.stringify(first.report)).not.toContain('s3cret-smb-pass');
    expect(first.lines).toContain('mappedDrive:X:: credentials for mike ∅ → (secret)');
    expect(readFileSync(path.join(root, 'C/ProgramData/converge/drives/map-drives.ps1'), 'utf8')).toBe(HELPER_SCRIPT);

    expect((await engineRun(fleet.dir, 'gpu', root, runner, 'plan')).report.summary.pending).toBe(0);

    world.network.S = '\\\\nas.local\\other'; // mapped elsewhere by hand
    const plan = await engineRun(fleet.dir, 'gpu', root, runner, 'plan');
    expect(plan.lines).toContain(`mappedDrive:S:: mapping \\\\nas.local\\other → ${SHARE}\\space`);
    const heal = await engineRun(fleet.dir, 'gpu', root, runner);
    expect(heal.report.resources.find((r) => r.id === 'mappedDrive:S:')).toMatchObject({ status: 'changed', drift: true });
    expect(world.network.S).toBe(`${SHARE}\\space`);

    world.status = 'Disconnected'; // Get-SmbMapping says so after a network change
    const reconnect = await engineRun(fleet.dir, 'gpu', root, runner, 'plan');
    expect(reconnect.lines).toContain('mappedDrive:X:: mapping Disconnected → OK');
  });

  it('reports, not fails, while the user is logged off', async () => {
    const root = tempDir();
    const { runner } = fakeWindows(root, { loggedOn: false });
    const run = await engineRun(drivesFleet().dir, 'gpu', root, runner);
    expect(run.lines).toContain(`mappedDrive:X:: mapping ∅ → X: → ${SHARE}\\flux [skipped]`);
    expect(run.report.summary.failed).toBe(0);
  });

  it('under --root on Linux shows the files and the task commands', () => {
    const plan = converge(['plan', '--repo', drivesFleet().dir, '--host', 'gpu', '--root', tempDir()]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('+++ C:/ProgramData/converge/drives/X.json');
    expect(plan.stdout).toContain("Register-ScheduledTask -TaskPath '\\converge\\' -TaskName 'mapped-drives'");
    expect(plan.stdout).toContain("Start-ScheduledTask -TaskPath '\\converge\\' -TaskName 'mapped-drives'");
  });

  it('rejects an IP address or a short host name for the share', () => {
    const fleet = createFleet({ 'hosts/gpu/host.yml': 'os: windows\n', 'hosts/gpu/d.yml': "resources:\n  - mappedDrive: X\n    remote: '\\\\motoko\\flux'\n" });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('fully qualified host');
  });

  it('rejects an IP address for the share host', () => {
    const fleet = createFleet({ 'hosts/gpu/host.yml': 'os: windows\n', 'hosts/gpu/d.yml': "resources:\n  - mappedDrive: X\n    remote: '\\\\100.64.0.1\\flux'\n" });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('hosts/gpu/d.yml:3:13: remote names its host by an IP address');
  });
});

describe('the helper and its report', () => {
  it('is valid PowerShell, and so is every script the provider sends', async () => {
    expect(await powershellSyntaxErrors(HELPER_SCRIPT)).toEqual([]);
    for (const s of DRIVE_SCRIPTS) expect(await powershellSyntaxErrors(s.script), s.name).toEqual([]);
  });

  it('stores the share credential as cmdkey /add does, without the password on a command line (H4), and uses net use /persistent:yes and Get-SmbMapping', () => {
    expect(HELPER_SCRIPT).toContain('[ConvergeCredential]::Write($server, $name, $secret)');
    expect(HELPER_SCRIPT).toContain('EntryPoint = "CredWriteW"');
    expect(HELPER_SCRIPT).not.toContain('cmdkey.exe');
    expect(HELPER_SCRIPT).not.toContain('/pass:');
    expect(HELPER_SCRIPT).toContain('net.exe use $drive.letter $drive.remote /persistent:yes');
    expect(HELPER_SCRIPT).toContain('Get-SmbMapping -LocalPath $drive.letter');
  });

  it('reads the report Set-Content -Encoding UTF8 writes (with a BOM), one drive or many', () => {
    const one = '\uFEFF{"user":"mike","drives":{"letter":"X:","remote":"\\\\\\\\h.ts.net\\\\flux","ok":true,"action":"kept","message":"","smb":{"Status":"OK"}}}';
    expect(helperReport(one, 'X:')).toMatchObject({ ok: true, smb: { Status: 'OK' } });
    expect(helperReport('not json', 'X:')).toBeNull();
  });
});
