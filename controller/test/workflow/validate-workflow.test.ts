// .github/workflows/validate.yml and comment.yml run npm scripts, and those
// scripts do what the workflows rely on when run here: validate the fleet,
// render the diff comment (no token), post it (the workflow_run job).
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { createFleet } from '../helpers/fleet.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { tempDir } from '../helpers/tmp.js';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  if?: string;
  env?: Record<string, string>;
}

const workflow = parse(readFileSync(path.join(PROJECT_ROOT, '.github/workflows/validate.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; permissions: Record<string, string> }>;
};
const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const steps = workflow.jobs.validate!.steps;
const comment = parse(readFileSync(path.join(PROJECT_ROOT, '.github/workflows/comment.yml'), 'utf8')) as typeof workflow;
const commentSteps = comment.jobs.comment!.steps;

function npm(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('npm', ['run', '--silent', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** npm run without blocking this process (the fake GitHub answers from inside the test). */
function npmAsync(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

describe('the validate workflow', () => {
  it('runs on pull requests and on main with a read-only token and no persisted git credentials (finding 20)', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    expect(workflow.jobs.validate!.permissions).toEqual({ contents: 'read' });
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with).toMatchObject({ 'persist-credentials': false });
    // No step of the job that runs the PR's code sees a token.
    expect(JSON.stringify(workflow)).not.toContain('GITHUB_TOKEN');
    expect(JSON.stringify(workflow)).not.toContain('secrets.');
  });

  it('its steps are npm scripts that exist', () => {
    for (const job of [steps, commentSteps]) {
      const runs = job.filter((s) => s.run).map((s) => s.run!);
      for (const run of runs) {
        const m = /^npm (?:ci|run (\S+))/.exec(run);
        expect(m, run).not.toBeNull();
        if (m![1]) expect(Object.keys(scripts), run).toContain(m![1]);
      }
    }
  });

  it('validates always, and renders the comment into an artifact only on pull requests', () => {
    const validate = steps.find((s) => s.run === 'npm run validate')!;
    expect(validate.if).toBeUndefined();
    const render = steps.find((s) => s.run === 'npm run diff:markdown')!;
    expect(render.if).toBe("github.event_name == 'pull_request'");
    expect(render.env).toEqual({ DIFF_BASE: 'HEAD^1', DIFF_HEAD: 'HEAD' });
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ name: 'converge-diff', path: 'pr-comment/diff.md' });
  });

  it('posts the comment from a separate workflow_run job that runs no PR code and takes the PR number from the event', () => {
    expect(comment.on).toEqual({ workflow_run: { workflows: ['validate'], types: ['completed'] } });
    const job = comment.jobs.comment!;
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read', 'pull-requests': 'write' });
    const checkout = commentSteps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    // The default branch (no ref: of the PR head), no credentials kept.
    expect(checkout.with).toEqual({ 'persist-credentials': false });
    const download = commentSteps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with).toMatchObject({ name: 'converge-diff', path: 'pr-comment', 'run-id': '${{ github.event.workflow_run.id }}' });
    const post = commentSteps.find((s) => s.run === 'npm run comment')!;
    expect(post.env).toEqual({ PR_NUMBER: '${{ github.event.workflow_run.pull_requests[0].number }}', GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
  });

  it('npm run diff:markdown renders the comment and npm run comment posts it (and nothing that is not one)', async () => {
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\n', 'hosts/web/motd.yml': 'resources:\n  - file: /etc/motd\n    content: "hello\\n"\n' });
    fleet.commit({ 'hosts/web/motd.yml': 'resources:\n  - file: /etc/motd\n    content: "hello, world\\n"\n' });
    const file = path.join(tempDir(), 'pr-comment', 'diff.md');
    const rendered = npm(['diff:markdown', '--', '--repo', fleet.dir], { DIFF_BASE: 'HEAD^1', DIFF_HEAD: 'HEAD', COMMENT_FILE: file });
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('<!-- converge-diff -->');

    const github = new FakeGitHub();
    github.allow('ghs_commentJobToken000000000000000000000001', ['pull_requests'], 'github-actions[bot]');
    const server = await github.listen(8445);
    try {
      const env = { PR_NUMBER: '9', COMMENT_FILE: file, GITHUB_TOKEN: 'ghs_commentJobToken000000000000000000000001', GITHUB_API_URL: server.url, GITHUB_REPOSITORY: 'miket/miket-infra-devices', GITHUB_ACTIONS: 'true' };
      const posted = await npmAsync(['comment'], env);
      expect(posted.exitCode, posted.stderr).toBe(0);
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0]).toMatchObject({ issue: 9, user: 'github-actions[bot]' });
      expect(github.comments[0]!.body).toContain('+hello, world');
      // A file that is not a converge diff comment is not posted.
      writeFileSync(file, 'hello @everyone');
      const refused = await npmAsync(['comment'], env);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('is not a converge diff comment');
      expect(github.comments).toHaveLength(1);
    } finally {
      await server.close();
    }
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
