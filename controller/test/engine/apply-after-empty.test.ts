// A path found empty is not looked at again before the file provider writes it
// (Provider.apply is given what observe just found). What a user relies on: a
// file someone puts there in between is still backed up before converge replaces
// it, and the file ends up as the manifest says.
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { entry, runOnce } from '../helpers/engine.js';
import type * as PosixPath from '../../src/resources/shared/posix-path.js';

// `afterEmpty` plays another writer right after an observe finds the path empty.
const hook = vi.hoisted(() => ({ afterEmpty: null as null | ((local: string) => void) }));
vi.mock('../../src/resources/shared/posix-path.js', async (importOriginal) => {
  const real = await importOriginal<typeof PosixPath>();
  return {
    ...real,
    observePath: (...args: Parameters<typeof real.observePath>) => {
      const seen = real.observePath(...args);
      if (seen === null) hook.afterEmpty?.(args[0]);
      return seen;
    },
  };
});

describe('a file created where observe found nothing', () => {
  it('backs up what another writer put there since, then writes the managed bytes', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': 'resources:\n  - file: /etc/app.conf\n    content: "managed\\n"\n    mode: "0640"\n' });
    const root = tempDir();
    const file = path.join(root, 'etc/app.conf');
    let played = 0;
    hook.afterEmpty = (local) => {
      if (local !== file || played++ > 0) return;
      mkdirSync(path.dirname(local), { recursive: true });
      writeFileSync(local, 'put there by hand\n', { mode: 0o600 });
    };
    const report = await runOnce(fleet.dir, 'h', root);
    hook.afterEmpty = null;

    expect(played).toBeGreaterThan(0);
    expect(entry(report, 'file:/etc/app.conf').status).toBe('changed');
    expect(readFileSync(file, 'utf8')).toBe('managed\n');
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    const backups = path.join(root, 'var/lib/converge/backups');
    const [run] = readdirSync(backups);
    const index = readFileSync(path.join(backups, run!, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { local: string; kind: string; blob?: string });
    const saved = index.find((e) => e.local === file);
    expect(saved?.kind).toBe('file');
    expect(readFileSync(path.join(backups, run!, saved!.blob!), 'utf8')).toBe('put there by hand\n');
  });
});
