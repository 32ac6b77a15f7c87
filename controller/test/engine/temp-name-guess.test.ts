// A local user who sees one of converge's temp names in a folder they own (inotify
// tells them) and plants the names that would follow, so that root's next write
// there finds its temp name taken: converge picks other names and writes the file.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { createFleet } from '../helpers/fleet.js';
import { entry, runOnce } from '../helpers/engine.js';
import { CAN_ACT_AS_USER, spawnAsUser, userSandbox } from '../helpers/local-user.js';
import { describeWith, requireComponent } from '../helpers/components.js';

const host = 'os: linux\nvars:\n  user: mike\n';
const file = (name: string) => [`  - file: ~/${name}`, `    content: "${name}\\n"`, '    owner: mike'];

// mike's watcher: on the first `.a.converge-<hex>` it sees, it plants links at the next 256 names for `b`
const WATCHER = `
const fs = require('node:fs'), path = require('node:path');
const dir = process.argv[1];
const w = fs.watch(dir, (_e, name) => {
  const m = /^\\.a\\.converge-([0-9a-f]{8})$/.exec(name || '');
  if (!m) return;
  w.close();
  const n = parseInt(m[1], 16);
  for (let k = 1; k <= 256; k++) fs.symlinkSync('/etc/passwd', path.join(dir, '.b.converge-' + ((n + k) >>> 0).toString(16).padStart(8, '0')));
  fs.writeFileSync(path.join(dir, 'planted'), '');
});`;

let watcher: ChildProcess | undefined;
afterEach(() => void watcher?.kill());

describeWith(CAN_ACT_AS_USER)('temp names a local user has guessed', () => {
  beforeAll(() => requireComponent(CAN_ACT_AS_USER, 'root and setpriv', 'run the tests as root with util-linux installed'));

  it('do not stop root writing the file: converge takes other names, and leaves the planted links alone', async () => {
    const box = userSandbox();
    watcher = spawnAsUser(box.uid, process.execPath, '-e', WATCHER, box.home);
    await sleep(300); // the watch is set up
    const fleet = createFleet({ 'hosts/box/host.yml': host, 'hosts/box/a.yml': ['resources:', ...file('a'), ''].join('\n') });
    expect(entry(await runOnce(fleet.dir, 'box', box.root), 'file:/home/mike/a').status).toBe('changed');
    for (let i = 0; i < 50 && !existsSync(path.join(box.home, 'planted')); i++) await sleep(100);
    expect(existsSync(path.join(box.home, 'planted'))).toBe(true);

    fleet.commit({ 'hosts/box/a.yml': ['resources:', ...file('a'), ...file('b'), ''].join('\n') });
    const report = await runOnce(fleet.dir, 'box', box.root);
    expect(entry(report, 'file:/home/mike/b')).toMatchObject({ status: 'changed' });
    expect(readFileSync(path.join(box.home, 'b'), 'utf8')).toBe('b\n');
    expect(lstatSync(path.join(box.home, 'b')).isFile()).toBe(true);
    const planted = readdirSync(box.home).filter((n) => n.startsWith('.b.converge-'));
    expect(planted).toHaveLength(256);
    for (const n of planted) expect(lstatSync(path.join(box.home, n)).isSymbolicLink()).toBe(true);
  });
});
