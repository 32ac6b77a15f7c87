// The daemon as a device runs it: merge → converged → status commit; a file
// changed by hand → a drift commit (healed with selfHeal, only reported
// without); monitor mode changes nothing; one agent per state directory, and
// `converge apply` still works between runs; SIGTERM exits 0.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, startAgent, writeConfig } from './support/agent.js';
import { greeting, smallFleet } from './support/fleet-files.js';

function setup(extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const key = sshKey(dir, 'alice');
  const origin = createOrigin(dir, smallFleet(), key);
  const agent = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]), extra });
  return { dir, origin, ...agent, conf: path.join(agent.root, 'etc/app/app.conf') };
}

const watching = (log: string, n = 1) => log.split('watching managed paths').length > n;

describe('converge agent (daemon)', () => {
  it('converges a merge, heals a change by hand at once, applies the next merge, and stops on SIGTERM', async () => {
    const { origin, config, conf } = setup();
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();
    const agent = startAgent(config);
    await agent.until('the first status commit', () => origin.statusLog().length === 1);
    expect(origin.statusLog()).toEqual([`web: applied ${c1.slice(0, 7)} (3 changed)`]);
    await agent.until('the drift watch', () => watching(agent.log()));

    // One agent per state directory; a second one says who holds it.
    const second = agentOnce(config);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/another converge holds .*agent\/lock: converge agent web \(pid \d+\)/);

    writeFileSync(conf, 'greeting = by hand\n');
    await agent.until('the drift commit', () => origin.statusLog().length === 2);
    expect(origin.statusLog()[0]).toBe('web: drift healed in file:/etc/app/app.conf');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = hello\nhost = web\n');
    expect(origin.statusOf('web')).toMatchObject({ result: 'drifted', reason: 'drift' });
    const healed = (origin.statusOf('web').resources as { id: string; drift?: boolean; changes: { diff?: string }[] }[])[0]!;
    expect(healed).toMatchObject({ id: 'file:/etc/app/app.conf', drift: true, status: 'changed' });
    expect(healed.changes.find((c) => c.diff)?.diff).toContain('-greeting = by hand');

    const c2 = origin.commit(greeting('bonjour'), { message: 'bonjour' });
    await agent.until('the merge to be applied', () => origin.statusLog().length === 3);
    expect(origin.statusLog()[0]).toBe(`web: applied ${c2.slice(0, 7)} (1 changed)`);
    expect(readFileSync(conf, 'utf8')).toBe('greeting = bonjour\nhost = web\n');

    // The agent's own writes (the run above rewrote app.conf) are not drift: no further commit.
    await new Promise((r) => setTimeout(r, 1500));
    expect(origin.statusLog()).toHaveLength(3);

    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.log()).toContain('agent stopped');
  });

  it('with selfHeal: false reports drift at once and leaves the file as it is', async () => {
    const { origin, config, conf } = setup({ selfHeal: false });
    const agent = startAgent(config);
    await agent.until('the first status commit', () => origin.statusLog().length === 1);
    await agent.until('the drift watch', () => watching(agent.log()));
    writeFileSync(conf, 'greeting = by hand\n');
    await agent.until('the drift commit', () => origin.statusLog().length === 2);
    expect(origin.statusLog()[0]).toBe('web: drift in file:/etc/app/app.conf (not changed: selfHeal is off)');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = by hand\n');
    expect(origin.statusOf('web')).toMatchObject({ result: 'drifted', mode: 'plan' });

    const shown = converge(['status', '--config', config]);
    expect(shown.stdout).toContain('web: drifted  file:/etc/app/app.conf');
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('in monitor mode plans and reports drift but changes nothing', async () => {
    const { origin, config, conf, root } = setup({ mode: 'monitor' });
    const c1 = git(origin.work, 'rev-parse', 'HEAD').trim();
    const agent = startAgent(config);
    await agent.until('the first status commit', () => origin.statusLog().length === 1);
    expect(origin.statusLog()[0]).toBe(`web: planned ${c1.slice(0, 7)} (3 to change; not changed: monitor mode)`);
    expect(existsSync(path.join(root, 'etc/app'))).toBe(false);
    await agent.stop('SIGTERM');

    // Converged by an operator with `converge apply --config`, then watched by the monitor.
    const applied = converge(['apply', '--config', config, '--repo', origin.work]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const monitor = startAgent(config);
    await monitor.until('the in-sync report', () => origin.statusLog().length === 2);
    expect(origin.statusLog()[0]).toBe(`web: in sync at ${c1.slice(0, 7)}`);
    await monitor.until('the drift watch', () => watching(monitor.log()));
    writeFileSync(conf, 'greeting = by hand\n');
    await monitor.until('the drift commit', () => origin.statusLog().length === 3);
    expect(origin.statusLog()[0]).toBe('web: drift in file:/etc/app/app.conf (not changed: monitor mode)');
    expect(readFileSync(conf, 'utf8')).toBe('greeting = by hand\n');
    expect(await monitor.stop('SIGTERM')).toBe(0);
  });
});
