// A burst of hand edits (finding 16): the first drift report is pushed at
// once, the ones after it within driftWindow wait and go as ONE status commit
// that lists every event; nothing is lost, and stopping the agent pushes what
// was held.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, sshKey } from './support/origin.js';
import { startAgent, writeConfig } from './support/agent.js';
import { smallFleet } from './support/fleet-files.js';

const EDITS = 8;

describe('drift coalescing', () => {
  it(`${EDITS} hand edits in a row make two status commits (the first at once, the rest together), listing every event`, async () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), key);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [key]), extra: { driftWindow: '10m' } });
    const conf = path.join(root, 'etc/app/app.conf');
    const agent = startAgent(config);
    await agent.until('the first status commit', () => origin.statusLog().length === 1);
    await agent.until('the drift watch', () => agent.log().includes('watching managed paths'));
    const queued = () => agent.log().split('"msg":"report queued"').length - 1;
    for (let i = 1; i <= EDITS; i++) {
      const before = queued();
      writeFileSync(conf, `greeting = edit ${i}\n`);
      // Each edit is healed and reported (queued) before the next one.
      await agent.until(`the heal of edit ${i}`, () => queued() > before && readFileSync(conf, 'utf8') === 'greeting = hello\nhost = web\n');
      if (i === 1) await agent.until('the first drift commit', () => origin.statusLog().length === 2);
    }
    // Within the window nothing more is pushed; stopping pushes the held reports as one commit.
    expect(origin.statusLog()).toHaveLength(2);
    expect(await agent.stop()).toBe(0);
    const log = origin.statusLog();
    expect(log).toHaveLength(3);
    expect(log[0]).toBe(`web: drift healed in file:/etc/app/app.conf (${EDITS - 1} drift events)`);
    const body = git(origin.bare, 'log', '-1', '--format=%b', 'status').trim().split('\n');
    expect(body).toHaveLength(EDITS - 1);
    for (const line of body) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+ web: drift healed in file:\/etc\/app\/app\.conf$/);
    expect(origin.statusOf('web')).toMatchObject({ result: 'drifted', reason: 'drift' });
  });
});
