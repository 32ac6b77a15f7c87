// The load cache answers a no-op run without parsing YAML or rendering
// templates. What it gives back must be what a full load gives: the same
// resources, the host's maintenance window, and each spec's hash (the engine
// compares it with the inventory's to tell drift from a manifest change).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { loadHostCached } from '../../src/manifest/load-cache.js';
import { hashOf } from '../../src/engine/stable-json.js';

const files = {
  'hosts/web/host.yml': 'os: linux\nvars:\n  greeting: hello\nwindow:\n  start: "02:00"\n  length: 2h\n  timeZone: UTC\n',
  'hosts/web/files.yml': 'resources:\n  - directory: /etc/app\n  - file: /etc/app/app.conf\n    template: files/app.conf.njk\n    mode: "0640"\n',
  'hosts/web/files/app.conf.njk': 'greeting = {{ vars.greeting }}\n',
};

describe('the load cache', () => {
  it('gives back what a full load gave: resources, window and spec hashes', async () => {
    const fleet = createFleet(files);
    const cacheDir = path.join(tempDir(), 'cache');
    const full = await loadHostCached(fleet.dir, 'web', { cacheDir, write: true });
    expect(full.cached).toBe(false);
    const hit = await loadHostCached(fleet.dir, 'web', { cacheDir });
    expect(hit.cached).toBe(true);
    expect(hit.host!.resources).toEqual(full.host!.resources);
    expect(hit.host!.window).toEqual(full.host!.window);
    expect(hit.host!.window).toMatchObject({ start: '02:00' });
    for (const r of hit.host!.resources) expect(hit.host!.specHashes!.get(r.id)).toBe(hashOf(r.spec));
    expect(hit.host!.specHashes!.size).toBe(2);
  });

  it('gives back the order and the edges a full load found', async () => {
    // declared out of order: the file before the folder that holds it, a notify, an explicit requires
    const fleet = createFleet({
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/a.yml': [
        'resources:',
        '  - file: /etc/app/app.conf',
        '    content: "x\\n"',
        '    notify: [command:reload]',
        '  - command: reload',
        '    run: "true"',
        '    refreshOnly: true',
        '  - file: /etc/motd',
        '    content: "hi\\n"',
        '    requires: [file:/etc/app/app.conf]',
        '  - directory: /etc/app',
        '',
      ].join('\n'),
    });
    const cacheDir = path.join(tempDir(), 'cache');
    const full = await loadHostCached(fleet.dir, 'web', { cacheDir, write: true });
    expect(full.diagnostics).toEqual([]);
    const hit = await loadHostCached(fleet.dir, 'web', { cacheDir });
    expect(hit.cached).toBe(true);
    const ids = (h: typeof full) => h.host!.resources.map((r) => r.id);
    expect(ids(full)).toEqual(['directory:/etc/app', 'file:/etc/app/app.conf', 'command:reload', 'file:/etc/motd']);
    expect(ids(hit)).toEqual(ids(full));
    expect(hit.host!.graph.order.map((r) => r.id)).toEqual(ids(full));
    expect(hit.host!.graph.after).toEqual(full.host!.graph.after);
    expect(hit.host!.graph.notifiedBy).toEqual(full.host!.graph.notifiedBy);
    expect(hit.host!.graph.cycles).toEqual([]);
  });

  it('misses when a template changes, and the new spec has a new hash', async () => {
    const fleet = createFleet(files);
    const cacheDir = path.join(tempDir(), 'cache');
    const before = await loadHostCached(fleet.dir, 'web', { cacheDir, write: true });
    fleet.write({ 'hosts/web/files/app.conf.njk': 'greeting = {{ vars.greeting }}!\n' });
    const after = await loadHostCached(fleet.dir, 'web', { cacheDir, write: true });
    expect(after.cached).toBe(false);
    const id = 'file:/etc/app/app.conf';
    expect(after.host!.resources.find((r) => r.id === id)!.spec).toMatchObject({ content: 'greeting = hello!\n' });
    expect(after.host!.specHashes!.get(id)).not.toBe(before.host!.specHashes!.get(id));
    expect((await loadHostCached(fleet.dir, 'web', { cacheDir })).cached).toBe(true);
  });
});
