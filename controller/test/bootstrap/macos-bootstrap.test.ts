// scripts/bootstrap/macos.sh cannot install for real here (no macOS), but its
// dry run reads the runtime pin from controller/runtime.json of a real fleet
// repository (file://), and checks an archive it is given for real: the pin
// comes from the fleet commit, not from the script.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { git } from '../helpers/fleet.js';
import { fleetRemote } from '../helpers/fleet-remote.js';
import { agentId } from '../../src/agent/upgrade/agent-id.js';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts/bootstrap/macos.sh');
const pins = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'controller/runtime.json'), 'utf8'));
const key = `darwin-${os.arch() === 'arm64' ? 'arm64' : 'x64'}`; // the script reads uname -m

function dryRun(repo: string, extra: string[] = []) {
  const tmp = tempDir();
  const r = spawnSync('bash', [SCRIPT, '--host', 'count-zero', '--repo', repo, '--allow-unsigned', '--dry-run', '--prefix', '/usr/local/converge', ...extra], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TMPDIR: tmp } });
  return { ...r, leftOver: readdirSync(tmp) };
}

/** A fleet remote whose controller/runtime.json is `runtime`. */
function remoteWith(runtime: unknown): string {
  const dir = tempDir();
  const { remote, work } = fleetRemote(dir);
  writeFileSync(path.join(work, 'controller/runtime.json'), JSON.stringify(runtime, null, 2));
  git(work, 'commit', '-qam', 'pin');
  git(work, 'push', '-q', remote, 'main');
  return `file://${remote}`;
}

describe('macos.sh takes the runtime from the fleet repository', () => {
  it('a dry run names the registry tarball, SHA-256 and layout pinned in controller/runtime.json, and the pinned npm', () => {
    const dir = tempDir();
    const { remote } = fleetRemote(dir);
    const r = dryRun(`file://${remote}`);
    expect(r.status, r.stderr).toBe(0);
    const pin = pins.node.npm[key];
    const name = `node-v${pin.version}-${key}`;
    expect(r.stdout).toMatch(/^pins: controller\/runtime\.json of [0-9a-f]{12}$/m);
    expect(r.stdout).toContain(`curl -fsSL --retry 3 -o /usr/local/converge/runtimes/.download-${name}.tgz ${pin.tarball}`);
    expect(r.stdout).toContain(`has SHA-256 ${pin.sha256}`);
    expect(r.stdout).toContain(`--strip-components=1`);
    expect(r.stdout).toContain(`would point /usr/local/converge/runtime at runtimes/${name} (atomic rename)`);
    expect(r.stdout).toContain(`${pins.npm.tarball}`);
    expect(r.stdout).toContain(`has SHA-256 ${pins.npm.sha256}`);
    expect(r.stdout).toContain(`with /usr/local/converge/runtimes/npm-v${pins.npm.version}/bin/npm-cli.js: npm ci`);
    expect(r.leftOver).toEqual([]); // the dry run's clone is gone
  });

  it('checks a given archive against the pin of the fleet commit: its own bytes pass, others are refused', () => {
    const dir = tempDir();
    const archive = path.join(dir, 'node.tgz');
    writeFileSync(archive, 'pretend node');
    const sha256 = createHash('sha256').update('pretend node').digest('hex');
    const runtime = structuredClone(pins);
    runtime.node.npm[key].sha256 = sha256;
    const ok = dryRun(remoteWith(runtime), ['--node-archive', archive]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${archive} has the pinned SHA-256`);

    const other = dryRun(`file://${fleetRemote(tempDir()).remote}`, ['--node-archive', archive]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`${archive} has SHA-256 ${sha256}, not the pinned ${pins.node.npm[key].sha256}: not using it`);
  });

  it('refuses a pin that is not a version, or no pin for this Mac', () => {
    const bad = structuredClone(pins);
    bad.node.npm[key].version = '../../../tmp/x';
    const r = dryRun(remoteWith(bad));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`node.npm.${key}.version is '../../../tmp/x', not a version`);
    const none = structuredClone(pins);
    delete none.node.npm[key];
    const n = dryRun(remoteWith(none));
    expect(n.status).toBe(1);
    expect(n.stderr).toContain(`has no node.npm.${key}.version`);
  });

  it('builds the layout the self-upgrade expects: releases/<agent id>, build/<lockfile hash>, a relative agent link', async () => {
    const { remote, work } = fleetRemote(tempDir());
    const r = dryRun(`file://${remote}`);
    expect(r.status, r.stderr).toBe(0);
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const id = await agentId(work, head); // the id the agent computes for the same commit
    const lock = createHash('sha256').update(readFileSync(path.join(work, 'package-lock.json'))).digest('hex').slice(0, 16);
    expect(r.stdout).toContain(`would build agent ${id} (commit ${head.slice(0, 12)}) into /usr/local/converge/releases/${id}`);
    expect(r.stdout).toContain(`npm ci (into /usr/local/converge/build/${lock}, unless complete), build, release.json, and point /usr/local/converge/agent at releases/${id}`);
    const text = readFileSync(SCRIPT, 'utf8');
    // release.json with the fields release.ts reads; a --node runtime behind a relative link
    for (const field of ['id', 'commit', 'prefix', 'runtimePin', 'runtime', 'lockHash', 'builtAt']) expect(text).toContain(`"${field}": "%s"`);
    expect(text).toContain('switch_link runtime-external "$PREFIX/runtime"');
  });

  it('a truncated download runs nothing', () => {
    const half = path.join(tempDir(), 'half.sh');
    const text = readFileSync(SCRIPT, 'utf8');
    writeFileSync(half, text.slice(0, Math.floor(text.length / 2)));
    const r = spawnSync('bash', [half, '--host', 'x', '--repo', 'y', '--allow-unsigned', '--dry-run'], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).not.toBe(0);
  });
});
