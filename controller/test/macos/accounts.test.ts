// user and group on a macOS host through a FAKE runner that answers dscl and
// dseditgroup from a small Directory Services of its own, in dscl's output
// format (`Key: value`, a value with a space on the next line, indented: the
// format of dscl(1) and of public examples, not captured by us). visudo is
// this machine's real one when present, checking the rule converge writes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseDscl } from '../../src/resources/shared/dscl.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';

function directory() {
  const users = new Map<string, Record<string, string>>([['mike', { UniqueID: '501', PrimaryGroupID: '20', NFSHomeDirectory: '/Users/mike', UserShell: '/bin/zsh', RealName: 'Mike', Password: '********' }]]);
  const groups = new Map<string, { gid: string; members: string[] }>([['admin', { gid: '80', members: ['root', 'mike'] }], ['staff', { gid: '20', members: ['root'] }]]);
  const read = (record: string, keys: string[]) => {
    const [, kind, name] = record.split('/');
    const attrs = kind === 'Users' ? users.get(name!) : groups.has(name!) ? { PrimaryGroupID: groups.get(name!)!.gid, GroupMembership: groups.get(name!)!.members.join(' ') } : undefined;
    if (!attrs) return { exitCode: 56, stderr: `<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)\n` };
    return { stdout: keys.filter((k) => attrs[k] !== undefined).map((k) => (attrs[k]!.includes(' ') && k === 'RealName' ? `${k}:\n ${attrs[k]}` : `${k}: ${attrs[k]}`)).join('\n') + '\n' };
  };
  const runner = fakeRunner('macos', {}, {
    dscl: (args) => {
      const [, verb, record, key, value] = args;
      if (verb === '-read') return read(record!, args.slice(3));
      if (verb === '-list') return { stdout: [...users].map(([n, a]) => `${n.padEnd(24)}${a.UniqueID}`).join('\n') + '\n' };
      const name = record!.split('/')[2]!;
      if (verb === '-create' && record!.startsWith('/Users/')) {
        if (!users.has(name)) users.set(name, {});
        if (key) users.get(name)![key] = value!;
        return {};
      }
      if (verb === '-delete') return {};
      return { exitCode: 1, stderr: `unexpected dscl ${args.join(' ')}` };
    },
    createhomedir: () => ({ stdout: 'creating home directories for (mdt)\n' }),
    dseditgroup: (args) => {
      const g = groups.get(args.at(-1)!);
      if (args[1] === 'create') groups.set(args.at(-1)!, { gid: '700', members: [] });
      else if (args[2] === '-a') g!.members.push(args[3]!);
      else if (args[2] === '-d') g!.members.splice(g!.members.indexOf(args[3]!), 1);
      return {};
    },
    visudo: (args) => {
      try {
        execFileSync('visudo', args, { stdio: 'pipe' });
        return { exitCode: 0 };
      } catch (error) {
        const e = error as { status?: number; stderr?: Buffer };
        return { exitCode: e.status ?? 1, stderr: e.stderr?.toString() ?? 'visudo: command not found (ENOENT)' };
      }
    },
  });
  return { users, groups, runner };
}

const yml = `resources:
  - user: mdt
    comment: converge automation
    shell: /bin/zsh
    groups: [admin]
    password: locked
    sudo: true
`;

describe('accounts on a macOS host', () => {
  it('reads dscl output, a value with a space on its own line', () => {
    expect(parseDscl('NFSHomeDirectory: /Users/mdt\nRealName:\n converge automation\nUniqueID: 502\n')).toEqual({ NFSHomeDirectory: '/Users/mdt', RealName: 'converge automation', UniqueID: '502' });
    expect(parseDscl('GroupMembership: root mike\n').GroupMembership).toBe('root mike');
  });

  it('makes mdt with dscl, an admin with no password, with a sudoers rule; a second plan is clean; a password set by hand is drift', async () => {
    const f = createFleet({ 'hosts/laptop/host.yml': 'os: macos\n', 'hosts/laptop/accounts.yml': yml });
    const root = tempDir();
    const ds = directory();
    const first = await engineRun(f.dir, 'laptop', root, ds.runner);
    expect(first.report.summary.failed, first.lines.join('\n')).toBe(0);
    expect(ds.users.get('mdt')).toEqual({ UniqueID: '502', PrimaryGroupID: '20', UserShell: '/bin/zsh', RealName: 'converge automation', NFSHomeDirectory: '/Users/mdt', Password: '*' });
    expect(ds.groups.get('admin')!.members).toEqual(['root', 'mike', 'mdt']);
    expect(ds.runner.runs.map((r) => [r.file.split('/').pop(), ...r.args].join(' '))).toContain('dseditgroup -o edit -a mdt -t user admin');
    expect(readFileSync(path.join(root, 'private/etc/sudoers.d/converge-mdt'), 'utf8')).toContain('mdt ALL=(ALL:ALL) NOPASSWD: ALL');
    expect((await engineRun(f.dir, 'laptop', root, ds.runner, 'plan')).report.summary.pending).toBe(0);

    ds.users.get('mdt')!.Password = '********';
    const plan = await engineRun(f.dir, 'laptop', root, ds.runner, 'plan');
    expect(plan.lines).toEqual(['user:mdt: password set → locked']);
    await engineRun(f.dir, 'laptop', root, ds.runner);
    expect(ds.users.get('mdt')!.Password).toBe('*');
    expect(ds.runner.runs.map((r) => r.args.join(' '))).toContain('. -delete /Users/mdt AuthenticationAuthority');
  });

  it('sets exactly the members of a group with dseditgroup', async () => {
    const f = createFleet({ 'hosts/laptop/host.yml': 'os: macos\n', 'hosts/laptop/g.yml': 'resources:\n  - group: staff\n    members: [root, mike]\n' });
    const ds = directory();
    ds.groups.get('staff')!.members.push('guest');
    const r = await engineRun(f.dir, 'laptop', tempDir(), ds.runner);
    expect(r.lines).toContain('group:staff: members guest, root → mike, root');
    expect(ds.groups.get('staff')!.members.sort()).toEqual(['mike', 'root']);
  });
});
