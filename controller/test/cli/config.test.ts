// plan/apply with the agent's config: it supplies host and root, and a lab
// config with a sandbox root keeps its state inside the sandbox.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('--config', () => {
  it('takes host and root from the config, creates a missing root, and keeps state under it', () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': 'resources:\n  - file: /etc/a.conf\n    content: "a\\n"\n' });
    const root = path.join(tempDir(), 'not-yet');
    const config = path.join(tempDir(), 'config.yml');
    writeFileSync(config, `host: h\nrepo: file://${fleet.dir}\nroot: ${root}\n`);
    const r = converge(['apply', '--repo', fleet.dir, '--config', config]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(root, 'etc/a.conf'))).toBe(true);
    expect(existsSync(path.join(root, 'var/lib/converge/reports/h.json'))).toBe(true);
  });

  it('creates a config root that does not exist yet, like --root, for plan, apply and agent, when the state dir lies elsewhere', () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': 'resources:\n  - directory: /opt/data\n  - file: /opt/data/a.conf\n    content: "a\\n"\n' });
    const lab = tempDir();
    const root = path.join(lab, 'not-yet');
    const config = path.join(lab, 'config.yml');
    writeFileSync(config, `host: h\nrepo: file://${fleet.dir}\nroot: ${root}\nstateDir: ${path.join(lab, 'state')}\ntrust: { allowUnsigned: true }\n`);
    const plan = converge(['plan', '--repo', fleet.dir, '--config', config]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('+ directory:/opt/data');
    const apply = converge(['apply', '--repo', fleet.dir, '--config', config]);
    expect(apply.stderr).toBe('');
    expect(apply.exitCode).toBe(0);
    expect(readFileSync(path.join(root, 'opt/data/a.conf'), 'utf8')).toBe('a\n');
    rmSync(root, { recursive: true });
    const agent = converge(['agent', '--once', '--config', config], { timeoutMs: 30_000 });
    expect(agent.exitCode, agent.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'opt/data/a.conf'), 'utf8')).toBe('a\n');
  });

  it('reports a bad config with file:line:column', () => {
    const config = path.join(tempDir(), 'config.yml');
    writeFileSync(config, 'host: h\nrepo: x\npoll: soon\nselfheal: true\n');
    const r = converge(['plan', '--config', config, '--repo', tempDir()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${config}:3:7: poll: must be a duration like 30s, 15m or 1h`);
    expect(r.stderr).toContain(`${config}:4:1: unknown field 'selfheal' in the agent config (did you mean 'selfHeal'?)`);
  });

  it('refuses, at file:line:column, a zero poll or interval, a port past 65535, reports pushed onto the fleet branch, bad branch names and empty paths', () => {
    const config = path.join(tempDir(), 'config.yml');
    writeFileSync(config, 'host: h\nrepo: x\npoll: 0ms\ninterval: 0s\nheartbeat: 0.0001ms\nmetrics: 127.0.0.1:99999\nstatusBranch: main\n');
    const r = converge(['agent', '--once', '--config', config], { timeoutMs: 20_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${config}:3:7: poll: must be longer than 0, like 30s`,
      `${config}:4:11: interval: must be longer than 0, like 30s`,
      `${config}:5:12: heartbeat: must be longer than 0, like 30s`,
      `${config}:6:10: metrics port must be at most 65535`,
      `${config}:7:15: statusBranch must not be the fleet branch main: reports go to a branch of their own (default status), or to statusRepo`,
    ]);
    writeFileSync(config, 'host: h\nrepo: x\nbranch: "a b"\nstatusBranch: bad..name\nroot: ""\nstateDir: ""\ntrust: { allowedSigners: "" }\n');
    const empty = converge(['agent', '--once', '--config', config], { timeoutMs: 20_000 });
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr.trim().split('\n')).toEqual([
      `${config}:3:9: branch: must be a git branch name, like main`,
      `${config}:4:15: statusBranch: must be a git branch name, like main`,
      `${config}:5:7: root: must not be empty`,
      `${config}:6:11: stateDir: must not be empty`,
      `${config}:7:26: allowedSigners: must not be empty`,
    ]);
    writeFileSync(config, 'host: h\nrepo: x\nbranch: feature/x-1.2\nstatusBranch: main\nstatusRepo: y\npoll: 1.5s\nstateDir: a-file\n');
    writeFileSync(path.join(path.dirname(config), 'a-file'), '');
    expect(converge(['plan', '--config', config, '--repo', tempDir()]).stderr.trim()).toBe(`converge: ${config}: stateDir ${path.join(path.dirname(config), 'a-file')} is not a directory`);
  });
});
