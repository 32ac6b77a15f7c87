// `converge diff` on real git history: a role change reaching two hosts, a
// host added, a host removed, a manifest that breaks at head, and the PR
// comment kept as one comment across pushes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet, git } from '../helpers/fleet.js';
import type { Fleet } from '../helpers/fleet.js';
import { spawn } from 'node:child_process';
import { CONVERGE_BIN, PROJECT_ROOT, converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import type { CliResult } from '../helpers/cli.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import type { FleetDiff } from '../../src/fleet-diff/fleet-diff.js';

const ROLE = {
  'hosts/_roles/netdata/netdata.yml': [
    'vars:',
    '  netdata_port: 19999',
    'resources:',
    '  - directory: /etc/netdata',
    '  - file: /etc/netdata/netdata.conf',
    '    template: files/netdata.conf.njk',
    '    mode: "0644"',
    '',
  ].join('\n'),
  'hosts/_roles/netdata/files/netdata.conf.njk': '[global]\n  hostname = {{ host.name }}\n[web]\n  bind to = 127.0.0.1:{{ vars.netdata_port }}\n',
};

function fleetOfThree(): Fleet {
  return createFleet({
    ...ROLE,
    'hosts/motoko/host.yml': 'os: linux\nroles: [netdata]\nprune: true\n',
    'hosts/atom/host.yml': 'os: linux\nroles: [netdata]\n',
    'hosts/count-zero/host.yml': 'os: macos\nvars:\n  user: mike\n',
    'hosts/count-zero/links.yml': 'resources:\n  - symlink: ~/flux\n    target: ~/.mkt/flux\n',
  });
}

function diffJson(fleet: Fleet, base: string, head = 'HEAD'): FleetDiff {
  const r = converge(['diff', '--repo', fleet.dir, '--base', base, '--head', head, '--json']);
  expect([0, 1], r.stderr).toContain(r.exitCode);
  return JSON.parse(r.stdout) as FleetDiff;
}

describe('converge diff', () => {
  it('a role change reaches every host that has the role, with the rendered file diff', () => {
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({ 'hosts/_roles/netdata/files/netdata.conf.njk': '[global]\n  hostname = {{ host.name }}\n  update every = 2\n[web]\n  bind to = 127.0.0.1:{{ vars.netdata_port }}\n' }, 'netdata: update every 2 s');

    const r = converge(['diff', '--repo', fleet.dir, '--base', base, '--head', 'HEAD']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`converge diff ${base.slice(0, 7)} → `);
    expect(r.stdout).toContain('2 hosts change, 1 unchanged');
    expect(r.stdout).toContain('reach role netdata reaches atom, motoko');
    expect(r.stdout).toContain('atom (linux): 1 to change');
    expect(r.stdout).toContain('motoko (linux): 1 to change');
    expect(r.stdout).toContain('  ~ file:/etc/netdata/netdata.conf  hosts/_roles/netdata/netdata.yml:5:5');
    expect(r.stdout).toContain('+  update every = 2');
    expect(r.stdout).toContain('unchanged: count-zero');
    // Each host's file is rendered for that host.
    const diff = diffJson(fleet, base);
    const motoko = diff.hosts.find((h) => h.name === 'motoko')!;
    expect(motoko.resources).toEqual([
      expect.objectContaining({ id: 'file:/etc/netdata/netdata.conf', action: 'change', changes: [expect.objectContaining({ property: 'content', diff: expect.stringContaining(' hostname = motoko') })] }),
    ]);
    expect(diff.reach).toEqual([{ kind: 'role', name: 'netdata', files: ['hosts/_roles/netdata/files/netdata.conf.njk'], hosts: [{ name: 'atom', changes: true }, { name: 'motoko', changes: true }] }]);
  });

  it('says when a role change reaches a host without changing its desired state', () => {
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({
      'hosts/_roles/netdata/netdata.yml': ROLE['hosts/_roles/netdata/netdata.yml'] + '  - file: /etc/netdata/go.d/nvidia_smi.conf\n    content: "jobs:\\n  - name: nvidia_smi\\n"\n    when: { host: motoko }\n',
    });
    const diff = diffJson(fleet, base);
    expect(diff.reach[0]).toMatchObject({ name: 'netdata', hosts: [{ name: 'atom', changes: false }, { name: 'motoko', changes: true }] });
    expect(diff.hosts.map((h) => h.name)).toEqual(['motoko']);
    expect(diff.hosts[0]!.resources[0]).toMatchObject({ id: 'file:/etc/netdata/go.d/nvidia_smi.conf', action: 'add' });
    const text = converge(['diff', '--repo', fleet.dir, '--base', base]).stdout;
    expect(text).toContain('reach role netdata reaches atom, motoko; desired state changes on motoko');
    expect(text).toContain('  + file:/etc/netdata/go.d/nvidia_smi.conf');
    expect(text).toContain('+  - name: nvidia_smi');
  });

  it('a secrets-map.yml change reaches the hosts that declare the env file, by variable names only', () => {
    const fleet = createFleet({
      'secrets-map.yml': [
        'envFiles:',
        '  litellm:',
        '    path: /flux/runtime/secrets/litellm.env',
        '    vars:',
        '      OPENAI_API_KEY: openai-api-key',
        '      AZURE_API_KEY: azure-openai-key',
        '  smb:',
        '    path: { linux: /etc/converge/smb.env, macos: ~/.mkt/smb.env }',
        '    vars:',
        '      SMB_USER: smb-user',
        '',
      ].join('\n'),
      'hosts/motoko/host.yml': 'os: linux\n',
      'hosts/motoko/secrets.yml': 'resources:\n  - envFile: litellm\n  - envFile: smb\n',
      'hosts/atom/host.yml': 'os: linux\n',
      'hosts/atom/secrets.yml': 'resources:\n  - envFile: litellm\n',
      'hosts/count-zero/host.yml': 'os: macos\nvars:\n  user: mike\n',
      'hosts/count-zero/secrets.yml': 'resources:\n  - envFile: smb\n',
    });
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    const map = readFileSync(path.join(fleet.dir, 'secrets-map.yml'), 'utf8')
      .replace('      OPENAI_API_KEY: openai-api-key\n', '      OPENAI_API_KEY: openai-api-key-rotated-2026\n      ANTHROPIC_API_KEY: anthropic-api-key\n');
    fleet.commit({ 'secrets-map.yml': map }, 'litellm: Anthropic, new OpenAI key');

    const r = converge(['diff', '--repo', fleet.dir, '--base', base]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 hosts change, 1 unchanged');
    expect(r.stdout).toContain('reach secrets-map.yml env file litellm reaches atom, motoko');
    expect(r.stdout).not.toContain('env file smb');
    for (const h of ['atom', 'motoko']) {
      expect(r.stdout).toContain(`${h} (linux): 1 to change`);
    }
    expect(r.stdout).toContain('  ~ envFile:litellm');
    expect(r.stdout).toContain('variables added ANTHROPIC_API_KEY');
    expect(r.stdout).toContain('OPENAI_API_KEY read from another vault secret');
    expect(r.stdout).toContain('unchanged: count-zero');
    const json = converge(['diff', '--repo', fleet.dir, '--base', base, '--json']).stdout;
    const markdown = converge(['diff', '--repo', fleet.dir, '--base', base, '--markdown']).stdout;
    for (const out of [r.stdout, json, markdown]) {
      // Vault secret names are where values come from: never shown, old or new.
      for (const vaultName of ['openai-api-key', 'anthropic-api-key', 'azure-openai-key']) expect(out).not.toContain(vaultName);
    }
    const diff = JSON.parse(json) as FleetDiff;
    expect(diff.reach).toEqual([{ kind: 'envFile', name: 'litellm', files: ['secrets-map.yml'], hosts: [{ name: 'atom', changes: true }, { name: 'motoko', changes: true }] }]);

    // A new env file shows where it goes and its variable names.
    fleet.commit({ 'hosts/count-zero/secrets.yml': 'resources:\n  - envFile: smb\n  - envFile: litellm\n' });
    const added = converge(['diff', '--repo', fleet.dir, '--base', 'HEAD~1']).stdout;
    expect(added).toContain('  + envFile:litellm');
    expect(added).toContain('path /flux/runtime/secrets/litellm.env');
    expect(added).toContain('variables ANTHROPIC_API_KEY, AZURE_API_KEY, OPENAI_API_KEY');
  });

  it('a host added shows everything it will get; a host removed says what becomes of it', () => {
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({
      'hosts/wintermute/host.yml': 'os: windows\nroles: [gpu]\n',
      'hosts/_roles/gpu/vllm.yml': 'resources:\n  - directory: C:/ProgramData/vllm\n  - file: C:/ProgramData/vllm/config.yaml\n    content: "model: Qwen/Qwen2.5-7B-Instruct\\nport: 8000\\n"\n',
      'hosts/atom': null,
    }, 'wintermute joins, atom leaves');
    const r = converge(['diff', '--repo', fleet.dir, '--base', base]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 hosts change, 2 unchanged');
    expect(r.stdout).toContain('wintermute (windows): new host, 2 to add');
    expect(r.stdout).toContain('  + directory:C:/ProgramData/vllm');
    expect(r.stdout).toContain('  + file:C:/ProgramData/vllm/config.yaml');
    expect(r.stdout).toContain('+model: Qwen/Qwen2.5-7B-Instruct');
    expect(r.stdout).toContain('reach role gpu reaches wintermute');
    expect(r.stdout).toContain('atom (linux): removed from the fleet');
    expect(r.stdout).toContain('hosts/atom/ is gone (it declared 2 resources): its agent no longer finds its manifests and reports failed until it is stopped; nothing on the machine is removed');
    // The netdata role lost a user: it reaches the host it reached before.
    expect(r.stdout).not.toContain('reach role netdata');
    const diff = diffJson(fleet, base);
    expect(diff.hosts.map((h) => [h.name, h.status])).toEqual([['atom', 'removed'], ['wintermute', 'added']]);
  });

  it('resources removed from a host follow its prune setting; attribute changes are one line', () => {
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({
      'hosts/motoko/host.yml': 'os: linux\nroles: []\nprune: true\n',
      'hosts/count-zero/links.yml': 'resources:\n  - symlink: ~/flux\n    target: ~/.mkt/flux-v2\n',
    });
    const r = converge(['diff', '--repo', fleet.dir, '--base', base]);
    expect(r.stdout).toContain('motoko (linux): 2 to remove');
    expect(r.stdout).toContain('  - file:/etc/netdata/netdata.conf');
    expect(r.stdout).toContain('ensure declared → removed from the host if converge created it (prune: true)');
    expect(r.stdout).toContain('count-zero (macos): 1 to change');
    expect(r.stdout).toContain('  ~ symlink:/Users/mike/flux');
    expect(r.stdout).toContain('target ~/.mkt/flux → ~/.mkt/flux-v2');
  });

  it('an invalid manifest at head is reported with file:line, exit 1, and the other hosts are still shown', () => {
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({
      'hosts/atom/extra.yml': 'resources:\n  - fille: /etc/motd\n    content: hi\n',
      'hosts/count-zero/links.yml': 'resources:\n  - symlink: ~/flux\n    target: ~/.mkt/flux-v2\n',
    });
    const r = converge(['diff', '--repo', fleet.dir, '--base', base]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('1 host changes, 1 invalid, 1 unchanged');
    expect(r.stdout).toContain('atom: invalid: not converged until fixed');
    expect(r.stdout).toContain("hosts/atom/extra.yml:2:5: unknown resource type 'fille' (did you mean 'file'?)");
    expect(r.stdout).toContain('The fleet does not validate at');
    expect(r.stdout).toContain('count-zero (macos): 1 to change');
    const md = converge(['diff', '--repo', fleet.dir, '--base', base, '--markdown']);
    expect(md.stdout).toContain('> [!CAUTION]');
    // PR text is markdown-escaped (a parenthesis could open a link): the message reads the same, rendered.
    expect(md.stdout).toContain("> - `hosts/atom/extra.yml:2:5`: unknown resource type 'fille' \\(did you mean 'file'?\\)");
  });

  it('compares commits, not the working tree', () => {
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    const head = fleet.commit({ 'hosts/atom/host.yml': 'os: linux\nroles: [netdata]\nvars:\n  netdata_port: 29999\n' });
    fleet.write({ 'hosts/motoko/host.yml': 'not: [valid' });
    const diff = diffJson(fleet, base, head);
    expect(diff.ok).toBe(true);
    expect(diff.hosts.map((h) => h.name)).toEqual(['atom']);
    expect(diff.hosts[0]!.resources[0]!.changes[0]!.diff).toContain('+  bind to = 127.0.0.1:29999');
  });

  it('names an unknown ref', () => {
    const fleet = fleetOfThree();
    const r = converge(['diff', '--repo', fleet.dir, '--base', 'origin/main']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`converge: no commit 'origin/main' in ${fleet.dir}`);
  });

  it('says a --repo is no git repository instead of blaming a shallow checkout', () => {
    const dir = tempDir();
    for (const [repo, git] of [[dir, 'not a git repository'], [path.join(dir, 'missing'), 'No such file or directory']]) {
      const r = converge(['diff', '--repo', repo, '--base', 'HEAD~1']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`converge: cannot read ${repo} as a git repository: `);
      expect(r.stderr).toContain(git);
      expect(r.stderr).not.toContain('shallow');
    }
  });
});

/** `converge ...args` without blocking this process (the fake GitHub answers from it). */
function convergeAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONVERGE_BIN, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

describe('converge diff --comment', () => {
  const github = new FakeGitHub();
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await github.listen(8420);
  });
  afterAll(() => server.close());

  it('posts one comment on the pull request and updates it on every push', async () => {
    const token = 'ghs_actionsWorkflowToken00000000000000000001';
    github.allow(token, ['pull_requests'], 'github-actions[bot]');
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({ 'hosts/atom/host.yml': 'os: linux\nroles: [netdata]\nvars:\n  netdata_port: 29999\n' }, 'first push');
    const env = { GITHUB_API_URL: server.url, GITHUB_TOKEN: token, GITHUB_REPOSITORY: 'miket/miket-infra-devices' };

    const first = await convergeAsync(['diff', '--repo', fleet.dir, '--base', base, '--comment', '7'], env);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/comment created on pull request #7: https:\/\/github\.com\/miket\/miket-infra-devices\/pull\/7#issuecomment-\d+/);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('<!-- converge-diff -->');
    expect(github.comments[0]!.body).toContain('### converge diff: 1 host changes, 2 unchanged');
    expect(github.comments[0]!.body).toContain('+  bind to = 127.0.0.1:29999');

    fleet.commit({ 'hosts/motoko/host.yml': 'os: linux\nroles: [netdata]\nprune: true\nvars:\n  netdata_port: 39999\n' }, 'second push');
    const second = await convergeAsync(['diff', '--repo', fleet.dir, '--base', base, '--comment', '7'], env);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain('comment updated on pull request #7');
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.updates).toBe(1);
    expect(github.comments[0]!.body).toContain('### converge diff: 2 hosts change, 1 unchanged');
    expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(token);
  });

  it('a token without pull requests: write fails clearly, after printing the diff', async () => {
    const token = 'ghs_readOnlyForkToken0000000000000000000002';
    github.allow(token, ['statuses']);
    const fleet = fleetOfThree();
    const base = git(fleet.dir, 'rev-parse', 'HEAD').trim();
    fleet.commit({ 'hosts/atom/host.yml': 'os: linux\nroles: [netdata]\nvars:\n  netdata_port: 29999\n' });
    const r = await convergeAsync(['diff', '--repo', fleet.dir, '--base', base, '--comment', '8'], { GITHUB_API_URL: server.url, GITHUB_TOKEN: token, GITHUB_REPOSITORY: 'miket/miket-infra-devices' });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('atom (linux): 1 to change');
    expect(r.stderr).toContain('converge: cannot comment on miket/miket-infra-devices#8: 403 Resource not accessible by personal access token (the token lacks a permission: pull requests: write)');
  });
});
