// .github/workflows/validate.yml runs npm scripts, and those scripts do what
// the workflow relies on when run here: validate the fleet, diff two commits.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { createFleet } from '../helpers/fleet.js';

interface Step {
  name?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

const workflow = parse(readFileSync(path.join(PROJECT_ROOT, '.github/workflows/validate.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; permissions: Record<string, string> }>;
};
const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const steps = workflow.jobs.validate!.steps;

function npm(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('npm', ['run', '--silent', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('the validate workflow', () => {
  it('runs on pull requests and on main, with no write permission beyond the PR comment', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    expect(workflow.jobs.validate!.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('its steps are npm scripts that exist', () => {
    const runs = steps.filter((s) => s.run).map((s) => s.run!);
    for (const run of runs) {
      const m = /^npm (?:ci|run (\S+))/.exec(run);
      expect(m, run).not.toBeNull();
      if (m![1]) expect(Object.keys(scripts), run).toContain(m![1]);
    }
  });

  it('validates always, and diffs with the comment only on pull requests', () => {
    const validate = steps.find((s) => s.run === 'npm run validate')!;
    expect(validate.if).toBeUndefined();
    const diffs = steps.filter((s) => s.run?.startsWith('npm run diff'));
    expect(diffs).toHaveLength(2);
    for (const d of diffs) {
      expect(d.if).toContain("github.event_name == 'pull_request'");
      expect(d.env).toMatchObject({ DIFF_BASE: 'HEAD^1', DIFF_HEAD: 'HEAD' });
    }
    expect(diffs[0]!.run).toBe('npm run diff -- --comment "${{ github.event.pull_request.number }}"');
    expect(diffs[0]!.env!.GITHUB_TOKEN).toBe('${{ secrets.GITHUB_TOKEN }}');
  });

  it('npm run validate and npm run diff work the same here', () => {
    const v = npm(['validate']);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^\d+ hosts valid/);

    // The diff script against a fleet repository, with the refs the workflow passes.
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\n', 'hosts/web/motd.yml': 'resources:\n  - file: /etc/motd\n    content: "hello\\n"\n' });
    fleet.commit({ 'hosts/web/motd.yml': 'resources:\n  - file: /etc/motd\n    content: "hello, world\\n"\n' });
    const d = npm(['diff', '--', '--repo', fleet.dir], { DIFF_BASE: 'HEAD^1', DIFF_HEAD: 'HEAD' });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toContain('web (linux): 1 to change');
    expect(d.stdout).toContain('+hello, world');
  });
});
