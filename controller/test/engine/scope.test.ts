// A run over part of a host (the drift heal): only the resources in scope and
// what they notify are converged; the report still covers the whole host, the
// rest as the last run left it (a failure there still stands); nothing is pruned.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { entry, runOnce } from '../helpers/engine.js';
import { loadHost } from '../../src/manifest/load-host.js';
import { affectedBy } from '../../src/engine/scope.js';

function setup() {
  const fleet = createFleet({
    'hosts/h/host.yml': 'os: linux\nprune: true\n',
    'hosts/h/a.yml': [
      'resources:',
      '  - file: /etc/app/a.conf',
      '    content: "a\\n"',
      '    notify: [command:reload]',
      '  - file: /etc/app/b.conf',
      '    content: "b\\n"',
      '  - command: reload',
      '    run: echo reloaded',
      '    refreshOnly: true',
      '',
    ].join('\n'),
  });
  return { fleet, root: tempDir() };
}

describe('a scoped run (drift heal)', () => {
  it('converges the resources in scope and what they notify, and reports the whole host', async () => {
    const { fleet, root } = setup();
    const first = await runOnce(fleet.dir, 'h', root);
    expect(first.summary).toMatchObject({ total: 3, changed: 2 });
    expect(first.resources.map((r) => r.status)).toEqual(['changed', 'changed', 'skipped']);
    writeFileSync(path.join(root, 'etc/app/a.conf'), 'a by hand\n');
    writeFileSync(path.join(root, 'etc/app/b.conf'), 'b by hand\n');

    const { host } = loadHost(fleet.dir, 'h');
    const ids = affectedBy(host!.graph, ['file:/etc/app/a.conf']);
    expect([...ids].sort()).toEqual(['command:reload', 'file:/etc/app/a.conf']);
    const heal = await runOnce(fleet.dir, 'h', root, 'apply', { scope: { ids, previous: first } });

    expect(readFileSync(path.join(root, 'etc/app/a.conf'), 'utf8')).toBe('a\n');
    // Notified by the heal (under a sandbox root commands never run, so the refresh is skipped, and says so).
    expect(JSON.stringify(entry(heal, 'command:reload'))).toContain('notified by file:/etc/app/a.conf');
    // Out of scope: not looked at (the next whole run heals it).
    expect(readFileSync(path.join(root, 'etc/app/b.conf'), 'utf8')).toBe('b by hand\n');
    expect(heal.resources.map((r) => [r.id, r.status])).toEqual([
      ['file:/etc/app/a.conf', 'changed'],
      ['file:/etc/app/b.conf', 'unchanged'],
      ['command:reload', 'skipped'],
    ]);
    expect(entry(heal, 'file:/etc/app/a.conf').drift).toBe(true);
    expect(heal.summary).toMatchObject({ total: 3, changed: 1, unchanged: 1, skipped: 1, drifted: 1 });

    const whole = await runOnce(fleet.dir, 'h', root);
    expect(entry(whole, 'file:/etc/app/b.conf')).toMatchObject({ status: 'changed', drift: true });
  });

  it('keeps a failure outside the scope in the report, and prunes nothing', async () => {
    const { fleet, root } = setup();
    const first = await runOnce(fleet.dir, 'h', root);
    const previous = { ...first, resources: first.resources.map((r) => (r.id === 'file:/etc/app/b.conf' ? { ...r, status: 'failed' as const, error: 'disk full' } : r)) };
    // b.conf leaves the manifests: a whole run would prune it, a heal must not.
    const a = path.join(fleet.dir, 'hosts/h/a.yml');
    writeFileSync(a, readFileSync(a, 'utf8').replace('  - file: /etc/app/b.conf\n    content: "b\\n"\n', ''));
    writeFileSync(path.join(root, 'etc/app/a.conf'), 'a by hand\n');
    const heal = await runOnce(fleet.dir, 'h', root, 'apply', { scope: { ids: new Set(['file:/etc/app/a.conf']), previous } });
    expect(entry(heal, 'file:/etc/app/b.conf')).toMatchObject({ status: 'failed', error: 'disk full' });
    expect(heal.result).toBe('failed');
    expect(readFileSync(path.join(root, 'etc/app/b.conf'), 'utf8')).toBe('b\n');
  });
});
