// A signed commit whose template runs forever, allocates without end or tries
// to reach JavaScript: the agent refuses it (remembered across restarts),
// reports why, and keeps enforcing the last good commit. A commit that killed
// the agent while it was being loaded is refused at the next start.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { smallFleet } from './support/fleet-files.js';

function setup() {
  const dir = tempDir();
  const key = sshKey(dir, 'alice');
  const origin = createOrigin(dir, smallFleet(), key);
  const agent = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]) });
  const good = git(origin.work, 'rev-parse', 'HEAD').trim();
  expect(agentOnce(agent.config).exitCode).toBe(0);
  return { dir, origin, ...agent, good, conf: path.join(agent.root, 'etc/app/app.conf') };
}

describe('agent: templates past their limits', () => {
  it('refuses a commit whose template never ends or escapes, reports it, and keeps the last good state', () => {
    const { dir, origin, config, good, conf } = setup();
    const marker = path.join(dir, 'RCE_MARKER');
    const bad = origin.commit(
      {
        'hosts/web/files/app.conf.njk': `{% for a in range(0, 100000) %}{% for b in range(0, 100000) %}{% endfor %}{% endfor %}\n{{ range.constructor("return process.getBuiltinModule('child_process').execSync('touch ${marker}')")() }}\n`,
      },
      { message: 'loop forever' },
    );
    const started = Date.now();
    const r1 = agentOnce(config);
    expect(r1.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r1.stdout).toMatch(new RegExp(`^web: failed ${bad.slice(0, 7)} \\(hosts/web/files/app\\.conf\\.njk:1:\\d+: the templates took more than`, 'm'));
    expect(existsSync(marker)).toBe(false);
    expect(origin.statusOf('web')).toMatchObject({ result: 'failed', commit: bad, applied: good });

    // Not retried; the good commit's content is enforced.
    writeFileSync(conf, 'edited by hand\n');
    const r2 = agentOnce(config);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stdout).toContain('drift healed in file:/etc/app/app.conf');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');
  });

  it('refuses at start a commit whose loading the last run never finished (the process died in it)', () => {
    const { origin, config, stateDir, good, conf } = setup();
    const next = origin.commit({ 'hosts/web/files/app.conf.njk': 'greeting = {{ vars.greeting }} again\n' }, { message: 'next' });
    // What a process killed while rendering `next` leaves behind: the commit marked as being loaded.
    const file = path.join(stateDir, 'agent', 'web.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...state, loading: next }));

    const r = agentOnce(config);
    expect(r.stderr).toMatch(/died loading this commit/);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { refused: { commit: string; reason: string }[]; applied: string; loading: unknown };
    expect(saved.refused).toContainEqual(expect.objectContaining({ commit: next, reason: 'crashed while loading' }));
    expect(saved.applied).toBe(good);
    expect(saved.loading ?? null).toBeNull();
  });
});
