// Resources converged side by side: a resource starts only after what it
// follows has finished, results are recorded in the order resources started,
// and a whole run on the real filesystem reads as a sequential one.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplyWindow } from '../../src/engine/window.js';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { runOnce } from '../helpers/engine.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('apply window', () => {
  it('records in start order and lets a resource start only after what it follows', async () => {
    const recorded: string[] = [];
    const window = new ApplyWindow<string>(8, (r) => recorded.push(r));
    const slow = deferred();
    const log: string[] = [];
    window.start('a', async () => {
      await slow.promise;
      log.push('a done');
      return 'a';
    });
    window.start('b', async () => 'b');
    await new Promise((r) => setImmediate(r));
    // b finished first, but waits for a to be recorded.
    expect(recorded).toEqual([]);
    const waiting = window.room(['a'], false).then(() => log.push('c may start'));
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual([]);
    slow.resolve();
    await waiting;
    expect(log).toEqual(['a done', 'c may start']);
    expect(recorded).toEqual(['a', 'b']);
    window.now('c');
    await window.drain();
    expect(recorded).toEqual(['a', 'b', 'c']);
  });

  it('a run of many files in their directories reports them in manifest order, all in place', async () => {
    const lines = ['resources:'];
    for (let d = 0; d < 5; d++) {
      lines.push(`  - directory: /srv/d${d}`, '    mode: "0750"');
      for (let f = 0; f < 10; f++) lines.push(`  - file: /srv/d${d}/f${f}`, `    content: "file ${d}.${f}\\n"`);
      lines.push(`  - symlink: /srv/l${d}`, `    target: d${d}/f0`);
    }
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/many.yml': lines.join('\n') + '\n' });
    const root = tempDir();
    const report = await runOnce(fleet.dir, 'h', root);
    expect(report.summary).toMatchObject({ total: 60, changed: 60, failed: 0 });
    const declared = lines.filter((l) => /^ {2}- /.test(l)).map((l) => l.replace(/^ {2}- (\w+): /, '$1:'));
    expect(report.resources.map((r) => r.id)).toEqual(declared);
    for (let d = 0; d < 5; d++) {
      expect(readdirSync(path.join(root, `srv/d${d}`)).sort()).toEqual([...Array(10).keys()].map((f) => `f${f}`).sort());
      expect(readFileSync(path.join(root, `srv/d${d}/f7`), 'utf8')).toBe(`file ${d}.7\n`);
    }
    expect((await runOnce(fleet.dir, 'h', root)).summary).toMatchObject({ changed: 0, unchanged: 60 });
  });
});
