// Which commits change the agent: the id the agent computes is the one the
// bootstrap script computes with git and sha256sum, and only the agent's
// paths move it.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { git } from '../helpers/fleet.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { AGENT_PATHS, agentId } from '../../src/agent/upgrade/agent-id.js';

function repo() {
  const dir = tempDir();
  for (const d of ['controller/src', 'controller/bin', 'controller/test', 'hosts/lab', 'docs']) mkdirSync(path.join(dir, d), { recursive: true });
  for (const [f, text] of Object.entries({ 'controller/src/a.ts': 'a', 'controller/bin/converge.js': 'b', 'controller/test/a.test.ts': 't', 'package.json': '{}', 'package-lock.json': '{}', 'hosts/lab/host.yml': 'os: linux\n', 'docs/x.md': 'x' })) writeFileSync(path.join(dir, f), text);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'one');
  const commit = (f: string, text: string) => {
    writeFileSync(path.join(dir, f), text);
    git(dir, 'commit', '-qam', f);
    return git(dir, 'rev-parse', 'HEAD').trim();
  };
  return { dir, commit, head: () => git(dir, 'rev-parse', 'HEAD').trim() };
}

describe('the agent id of a commit', () => {
  it('is what linux.sh computes (git ls-tree -r HEAD -- paths | sha256sum | cut -c1-12)', async () => {
    const r = repo();
    const shell = execFileSync('/bin/sh', ['-c', `git ls-tree -r HEAD -- ${AGENT_PATHS.join(' ')} | sha256sum | cut -c1-12`], { cwd: r.dir, encoding: 'utf8' }).trim();
    expect(await agentId(r.dir, r.head())).toBe(shell);
    // …with the same list of paths.
    expect(readFileSync(path.join(PROJECT_ROOT, 'scripts/bootstrap/linux.sh'), 'utf8')).toContain(`local AGENT_PATHS='${AGENT_PATHS.join(' ')}'`);
    expect(readFileSync(path.join(PROJECT_ROOT, 'scripts/bootstrap/macos.sh'), 'utf8')).toContain(`local AGENT_PATHS='${AGENT_PATHS.join(' ')}'`);
    expect(readFileSync(path.join(PROJECT_ROOT, 'scripts/bootstrap/windows.ps1'), 'utf8')).toContain(`$agentPaths = @(${AGENT_PATHS.map((p) => `'${p}'`).join(', ')})`);
  });

  it('moves with the agent code, lockfile and package, not with hosts/, docs or tests', async () => {
    const r = repo();
    const first = await agentId(r.dir, r.head());
    expect(await agentId(r.dir, r.commit('hosts/lab/host.yml', 'os: linux\n# x\n'))).toBe(first);
    expect(await agentId(r.dir, r.commit('docs/x.md', 'y'))).toBe(first);
    expect(await agentId(r.dir, r.commit('controller/test/a.test.ts', 'u'))).toBe(first);
    const second = await agentId(r.dir, r.commit('controller/src/a.ts', 'changed'));
    expect(second).not.toBe(first);
    expect(await agentId(r.dir, r.commit('package-lock.json', '{"x":1}'))).not.toBe(second);
  });
});
