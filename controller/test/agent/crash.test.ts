// Interruptions in the middle of a long run: SIGTERM finishes the resource in
// hand, queues the report and exits 0; kill -9 leaves a dead lock and a
// half-done run, and the next start takes over and converges, losing nothing.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, startAgent, writeConfig } from './support/agent.js';
import { smallFleet } from './support/fleet-files.js';

const MANY = 2000;

/** A host with MANY files: a run long enough to be interrupted in the middle. */
function manyFiles(): Record<string, string> {
  const lines = ['resources:', '  - directory: /etc/many'];
  for (let i = 0; i < MANY; i++) lines.push(`  - file: /etc/many/f${String(i).padStart(4, '0')}.conf`, `    content: "file ${i}\\n"`);
  return { 'hosts/web/many.yml': lines.join('\n') + '\n' };
}

function setup() {
  const dir = tempDir();
  const key = sshKey(dir, 'alice');
  const origin = createOrigin(dir, smallFleet(), key);
  const agent = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]) });
  return { origin, ...agent, many: path.join(agent.root, 'etc/many') };
}

const count = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.conf')).length : 0);

describe('interrupted runs', () => {
  it('kill -9 in the middle of a run: the restarted agent takes over the lock, converges, and loses no report', async () => {
    const { origin, config, stateDir, many } = setup();
    expect(agentOnce(config).exitCode).toBe(0);
    const big = origin.commit(manyFiles(), { message: 'many files' });

    const agent = startAgent(config);
    await agent.until('the run to be under way', () => count(many) >= 5, 60_000, 10);
    await agent.stop('SIGKILL');
    const done = count(many);
    expect(done).toBeLessThan(MANY);
    expect(JSON.parse(readFileSync(path.join(stateDir, 'lock'), 'utf8'))).toMatchObject({ command: 'converge agent web (startup)' });

    const restart = agentOnce(config);
    expect(restart.exitCode, restart.stderr).toBe(0);
    expect(count(many)).toBe(MANY);
    // The half-done run left nothing to lose: everything it made is in the inventory, and the report of the finished run is on the branch.
    const inventory = JSON.parse(readFileSync(path.join(stateDir, 'inventory/web.json'), 'utf8')) as { resources: Record<string, unknown> };
    expect(Object.keys(inventory.resources).filter((id) => id.startsWith('file:/etc/many/'))).toHaveLength(MANY);
    const log = origin.statusLog();
    expect(log[0]).toMatch(new RegExp(`^web: applied ${big.slice(0, 7)} \\(\\d+ changed\\)$`));
    expect(log).toHaveLength(2);
    expect(existsSync(path.join(stateDir, 'lock'))).toBe(false);
  });

  it('SIGTERM in the middle of a run: the resource in hand finishes, the report is pushed, exit 0, and the commit runs again next time', async () => {
    const { origin, config, many } = setup();
    expect(agentOnce(config).exitCode).toBe(0);
    const big = origin.commit(manyFiles(), { message: 'many files' });

    const agent = startAgent(config);
    await agent.until('the run to be under way', () => count(many) >= 5, 60_000, 10);
    expect(await agent.stop('SIGTERM')).toBe(0);
    const done = count(many);
    expect(done).toBeLessThan(MANY);
    expect(origin.statusLog()[0]).toMatch(new RegExp(`^web: interrupted at ${big.slice(0, 7)} \\(\\d+ changed; \\d+ not reached\\)$`));
    const status = origin.statusOf('web');
    expect(status.applied).toBe(git(origin.work, 'rev-parse', 'HEAD~1').trim());

    const resumed = agentOnce(config);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(count(many)).toBe(MANY);
    expect(origin.statusLog()[0]).toMatch(new RegExp(`^web: applied ${big.slice(0, 7)} \\(\\d+ changed\\)$`));
    expect(origin.statusOf('web').applied).toBe(big);
  });
});
