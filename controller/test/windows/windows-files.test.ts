// file, directory, symlink on a Windows host, planned and applied on Linux
// under --root: the paths are drive-letter paths placed under the sandbox,
// there is no mode or owner, and drift by hand is seen and healed.
import { describe, expect, it } from 'vitest';
import { readFileSync, readlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { createWindowsLink, windowsTargetKey } from '../../src/resources/shared/windows-fs.js';
import type { LinkFs } from '../../src/resources/shared/windows-fs.js';

function windowsFleet() {
  return createFleet({
    'hosts/gpu/host.yml': 'os: windows\nvars:\n  user: mike\n',
    'hosts/gpu/files.yml': [
      'resources:',
      '  - directory: C:/ProgramData/vllm',
      '  - file: C:\\ProgramData\\vllm\\config.yaml',
      '    content: "model: qwen\\nport: 8000\\n"',
      '  - directory: ~/links',
      '  - symlink: ~/links/flux',
      '    target: "X:/"',
      '',
    ].join('\n'),
  });
}

describe('files on a Windows host under --root', () => {
  it('writes drive-letter paths under the sandbox, sees a hand edit as drift and heals it', () => {
    const fleet = windowsFleet();
    const root = tempDir();
    const args = ['--repo', fleet.dir, '--host', 'gpu', '--root', root];

    const plan = converge(['plan', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('Plan for gpu (windows)');
    expect(plan.stdout).toContain('+ file:C:/ProgramData/vllm/config.yaml');
    expect(plan.stdout).not.toMatch(/\bmode\b/);

    const first = converge(['apply', ...args]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const conf = path.join(root, 'C/ProgramData/vllm/config.yaml');
    expect(readFileSync(conf, 'utf8')).toBe('model: qwen\nport: 8000\n');
    expect(readlinkSync(path.join(root, 'C/Users/mike/links/flux'))).toBe('X:\\');

    expect(converge(['plan', ...args]).exitCode).toBe(0);

    writeFileSync(conf, 'model: llama\nport: 8000\n');
    const drift = converge(['plan', ...args]);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ file:C:/ProgramData/vllm/config.yaml  (drift: changed by hand since the last converge)');
    expect(drift.stdout).toContain('-model: llama');

    const heal = converge(['apply', ...args]);
    expect(heal.stdout).toContain('file:C:/ProgramData/vllm/config.yaml (drift healed)');
    expect(readFileSync(conf, 'utf8')).toBe('model: qwen\nport: 8000\n');
    expect(converge(['plan', ...args]).exitCode).toBe(0);
  });

  it('rejects mode and owner on a Windows host at validation', () => {
    const fleet = createFleet({
      'hosts/gpu/host.yml': 'os: windows\n',
      'hosts/gpu/files.yml': 'resources:\n  - file: C:/x.txt\n    content: x\n    mode: "0644"\n',
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('mode is a POSIX attribute; gpu is a windows host');
    expect(existsSync(path.join(fleet.dir, 'x'))).toBe(false);
  });
});

describe('links on Windows', () => {
  it('falls back to a directory junction where Windows refuses the symlink privilege', async () => {
    const made: string[] = [];
    // A FAKE fs: Windows without SeCreateSymbolicLinkPrivilege refuses symlinks with EPERM.
    const noPrivilege: LinkFs = {
      async symlink(target, local, type) {
        if (type !== 'junction') throw Object.assign(new Error('EPERM: operation not permitted, symlink'), { code: 'EPERM' });
        made.push(`${type} ${local} -> ${target}`);
      },
      async stat() {
        return { isDirectory: () => true };
      },
    };
    expect(await createWindowsLink('X:/', 'C:\\Users\\mike\\flux', noPrivilege)).toBe('junction');
    expect(made).toEqual(['junction C:\\Users\\mike\\flux -> X:\\']);
    // A relative target is made absolute for the junction.
    made.length = 0;
    await createWindowsLink('../data', 'C:\\Users\\mike\\flux', noPrivilege);
    expect(made).toEqual(['junction C:\\Users\\mike\\flux -> C:\\Users\\data']);
  });

  it('does not fall back for a file link, and uses a real symlink when allowed', async () => {
    const calls: string[] = [];
    const fileTarget: LinkFs = {
      async symlink(_t, _l, type) {
        calls.push(type);
        throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
      },
      async stat() {
        return { isDirectory: () => false };
      },
    };
    await expect(createWindowsLink('C:/a.txt', 'C:\\b.txt', fileTarget)).rejects.toThrow('EPERM');
    expect(calls).toEqual(['file']);
    const allowed: LinkFs = { async symlink(_t, _l, type) { calls.push(`ok ${type}`); }, async stat() { throw new Error('ENOENT'); } };
    expect(await createWindowsLink('X:/', 'C:\\flux', allowed)).toBe('symlink');
    expect(calls.at(-1)).toBe('ok dir'); // a missing target is linked as a directory
  });

  it('compares targets as Windows does', () => {
    expect(windowsTargetKey('\\\\?\\C:\\Users\\Mike\\.mkt\\flux\\')).toBe(windowsTargetKey('C:/users/mike/.mkt/flux'));
    expect(windowsTargetKey('X:\\')).toBe('x:/');
  });
});
