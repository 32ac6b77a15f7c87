// user and group on a Windows host: the LocalAccounts scripts are valid
// PowerShell, and a timeline through a FAKE runner that answers like the
// Windows account database (Get-LocalUser / Get-LocalGroupMember).
import { describe, expect, it } from 'vitest';
import { USER_SCRIPTS } from '../../src/resources/user/powershell.js';
import { GROUP_SCRIPTS } from '../../src/resources/group/powershell.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

/** A fake local account database: users (enabled flag) and groups (members). */
function accountsDb() {
  const users = new Map<string, { enabled: boolean; fullName: string }>();
  const groups = new Map<string, string[]>([['Administrators', ['Administrator', 'mike']], ['Users', ['mike']]]);
  const find = (name: unknown) => [...groups.keys()].find((g) => g.toLowerCase() === String(name).toLowerCase());
  const runner = fakeRunner('windows', {
    'Get-ConvergeLocalUser': (p) => {
      const u = users.get(String(p.Name));
      if (!u) return { found: false };
      const inGroups = ((p.Groups as string[]) ?? []).filter((g) => groups.get(find(g) ?? '')?.includes(String(p.Name)));
      // Windows PowerShell 5.1 sends a one-element array as its element
      return { found: true, name: p.Name, enabled: u.enabled, fullName: u.fullName, groups: inGroups.length === 1 ? inGroups[0] : inGroups };
    },
    'New-ConvergeLocalUser': (p) => void users.set(String(p.Name), { enabled: !p.Disabled, fullName: String(p.FullName) }),
    'Set-ConvergeLocalUser': (p) => {
      const u = users.get(String(p.Name))!;
      if (p.SetFullName) u.fullName = String(p.FullName);
      for (const g of (p.AddGroups as string[]) ?? []) groups.get(find(g)!)!.push(String(p.Name));
      if (p.Disable) u.enabled = false;
    },
    'Get-ConvergeLocalGroup': (p) => (find(p.Name) ? { found: true, name: find(p.Name), members: groups.get(find(p.Name)!) } : { found: false }),
    'Set-ConvergeLocalGroup': (p) => {
      if (p.Create) groups.set(String(p.Name), []);
      const list = groups.get(find(p.Name)!)!;
      for (const m of (p.Add as string[]) ?? []) list.push(m);
      for (const m of (p.Remove as string[]) ?? []) list.splice(list.indexOf(m), 1);
    },
  });
  return { users, groups, runner };
}

const yml = `resources:
  - user: mdt
    comment: converge automation
    groups: [Administrators]
    password: locked
  - group: vllm-operators
    members: [mdt]
    requires: [user:mdt]
`;

describe('accounts on a Windows host', () => {
  it('sends valid PowerShell', async () => {
    for (const s of [...USER_SCRIPTS, ...GROUP_SCRIPTS]) expect(await powershellSyntaxErrors(s.script), s.name).toEqual([]);
  });

  it('makes mdt an administrator, disabled for sign-in; sees a removal from Administrators as drift and heals it', async () => {
    const f = createFleet({ 'hosts/gpu/host.yml': 'os: windows\n', 'hosts/gpu/accounts.yml': yml });
    const root = tempDir();
    const db = accountsDb();
    const first = await engineRun(f.dir, 'gpu', root, db.runner);
    expect(first.report.summary.failed, first.lines.join('\n')).toBe(0);
    expect(db.users.get('mdt')).toEqual({ enabled: false, fullName: 'converge automation' });
    expect(db.groups.get('Administrators')).toEqual(['Administrator', 'mike', 'mdt']);
    expect(db.groups.get('vllm-operators')).toEqual(['mdt']);
    const create = db.runner.requests.find((r) => r.name === 'New-ConvergeLocalUser')!;
    expect(create.params).toEqual({ Name: 'mdt', FullName: 'converge automation', Disabled: true });
    expect(create.script).toContain('-NoPassword');
    expect((await engineRun(f.dir, 'gpu', root, db.runner, 'plan')).report.summary.pending).toBe(0);

    db.groups.set('Administrators', ['Administrator', 'mike']);
    db.users.get('mdt')!.enabled = true;
    db.groups.get('vllm-operators')!.push('mike');
    const plan = await engineRun(f.dir, 'gpu', root, db.runner, 'plan');
    expect(plan.lines).toContain('user:mdt: groups (none of them) → Administrators');
    expect(plan.lines).toContain('user:mdt: password sign-in enabled → locked (account disabled for sign-in)');
    expect(plan.lines).toContain('group:vllm-operators: members mdt, mike → mdt');
    const healed = await engineRun(f.dir, 'gpu', root, db.runner);
    expect(healed.report.summary.failed, healed.lines.join('\n')).toBe(0);
    expect(db.groups.get('Administrators')).toContain('mdt');
    expect(db.groups.get('vllm-operators')).toEqual(['mdt']);
    expect(db.users.get('mdt')!.enabled).toBe(false);
  });

  it('refuses POSIX settings and a password hash for a Windows host, at their line', () => {
    const f = createFleet({
      'hosts/gpu/host.yml': 'os: windows\n',
      'hosts/gpu/accounts.yml': 'resources:\n  - user: mdt\n    shell: /bin/bash\n    sudo: true\n    password: { hashSecret: mdt-hash }\n',
    });
    const r = converge(['validate', '--repo', f.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toContain('hosts/gpu/accounts.yml:3:5');
    expect(r.stdout + r.stderr).toContain('shell is a POSIX setting; gpu is a Windows host (administrators: groups: [Administrators])');
    expect(r.stdout + r.stderr).toContain('Windows takes no password hash');
  });
});
