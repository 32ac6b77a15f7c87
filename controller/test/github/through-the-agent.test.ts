// End to end through the real agent (`converge agent` as a process): commit
// statuses on the commits it converges, GitHub down never blocking a
// converge and its failure in status.json, the status sent at the next run,
// a rejected commit marked `error`; and the metrics endpoint of the daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { allowedSigners, createOrigin, git, sshKey } from '../agent/support/origin.js';
import { agentOnceAsync, startAgent, writeConfig } from '../agent/support/agent.js';
import { greeting, smallFleet } from '../agent/support/fleet-files.js';

const TOKEN = 'github_pat_11WEBHOST0endToEndTokenThatMustNeverLeak_abcdefghijklmnop';

describe('commit statuses and metrics through the agent', () => {
  const github = new FakeGitHub();
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await github.listen(8430);
    github.allow(TOKEN, ['statuses']);
  });
  afterAll(() => server.close());

  function setup(extra: Record<string, unknown> = {}) {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const tokenFile = path.join(dir, 'github-token');
    writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    const agent = writeConfig({
      host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed_signers'), [key]),
      extra: { github: { repository: 'miket/fleet', tokenFile, apiUrl: server.url }, ...extra },
    });
    return { dir, key, origin, ...agent };
  }

  it('sets converge/web on each commit; GitHub down is reported in status.json and caught up at the next run; a rejected commit is an error', async () => {
    const { origin, config, root } = setup();
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();

    const first = await agentOnceAsync(config);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(github.statusesOn(c1).map((s) => [s.state, s.description, s.context])).toEqual([
      ['pending', 'converging…', 'converge/web'],
      ['success', 'changed: 3 changed', 'converge/web'],
    ]);
    expect(github.statusesOn(c1)[1]!.target_url).toBe(`${server.url}/miket/fleet/blob/status/state/web/STATUS.md`);
    expect(origin.statusOf('web').notices).toBeUndefined();

    // GitHub goes down; a merge still converges and is reported, with the GitHub problem in it.
    github.outage = 'refuse';
    const c2 = origin.commit(greeting('bonjour'), { message: 'web: say bonjour' });
    const down = await agentOnceAsync(config);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = bonjour\nhost = web\n');
    expect(origin.statusLog()[0]).toBe(`web: applied ${c2.slice(0, 7)} (1 changed)`);
    const status = origin.statusOf('web');
    expect(status.result).toBe('changed');
    const notices = status.notices as string[];
    expect(notices.join('\n')).toContain(`GitHub did not take commit status converge/web (pending) on ${c2.slice(0, 7)}: network:`);
    expect(notices.join('\n')).toContain(`GitHub did not take commit status converge/web (success) on ${c2.slice(0, 7)}`);
    expect(origin.statusFile('state/web/STATUS.md')).toContain('## Notices');
    expect(github.statusesOn(c2)).toEqual([]);

    // GitHub is back: the next run sends what was kept.
    github.outage = null;
    const back = await agentOnceAsync(config);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(github.statusesOn(c2).map((s) => [s.state, s.description])).toEqual([['success', 'changed: 1 changed, 2 unchanged']]);
    expect(origin.statusOf('web').notices).toBeUndefined();

    // An unsigned commit is rejected: its status says so.
    const c3 = origin.commit(greeting('hallo'), { message: 'unsigned', key: null });
    const rejected = await agentOnceAsync(config);
    expect(rejected.stderr + rejected.stdout).toContain('rejected');
    expect(github.statusesOn(c3)).toEqual([expect.objectContaining({ state: 'error', description: expect.stringMatching(/^rejected: [0-9a-f]{7} rejected \(unsigned\)/) })]);

    // The token appears nowhere: not in output, logs, reports or the status branch.
    const everything = [first, down, back, rejected].map((r) => r.stdout + r.stderr).join('\n') + git(origin.bare, 'log', '-p', 'status');
    expect(everything).not.toContain(TOKEN);
  });

  it('the daemon serves its metrics on loopback', async () => {
    const { origin, config } = setup({ metrics: '127.0.0.1:8431' });
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();
    const agent = startAgent(config);
    await agent.until('the first status commit', () => origin.statusLog().length > 0);
    let text = '';
    await agent.until('metrics of the first run', () => {
      void fetch('http://127.0.0.1:8431/metrics').then(async (r) => (text = await r.text()), () => undefined);
      return /converge_runs_total\{result="changed",host="web"\} 1/.test(text);
    });
    expect(text).toContain(`converge_applied_commit_info{commit="${c1}",host="web"} 1`);
    expect(text).toContain('converge_last_run_result{result="changed",host="web"} 1');
    expect(text).toMatch(/converge_polls_total\{host="web"\} [1-9]/);
    expect(text).toContain('converge_last_run_resources{state="changed",host="web"} 3');
    expect(await agent.stop()).toBe(0);
  });
});
