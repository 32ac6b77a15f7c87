// The health signal after mount and ingestion: statusFile embeds the
// ingestion reports and the mount states; a new ingestion run (new time, new
// counts) is not a change, a Full Disk Access problem is, and says what to do.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('statusFile with ingestion reports and mounts', () => {
  it('reports them, ignores what moves every run, and shows what needs a person', () => {
    const fleet = createFleet({
      'hosts/mac/host.yml': 'os: linux\nvars:\n  user: mike\n',
      'hosts/mac/status.yml': [
        'resources:',
        '  - statusFile: /space/devices/mac/mike/_status.json',
        '    fields: { user: mike }',
        '    include:',
        '      ingestion.icloud: /home/mike/state/icloud.json',
        '      ingestion.onedrive: /home/mike/state/onedrive.json',
        '    mounts: [/space]',
        '',
      ].join('\n'),
    });
    const root = tempDir();
    const args = ['--repo', fleet.dir, '--host', 'mac', '--root', root];
    mkdirSync(path.join(root, 'home/mike/state'), { recursive: true });
    mkdirSync(path.join(root, 'space'), { recursive: true });
    const icloud = (time: string, copied: number, fda = 'granted') =>
      writeFileSync(path.join(root, 'home/mike/state/icloud.json'), JSON.stringify({ name: 'icloud', time, state: fda === 'granted' ? 'ok' : 'blocked', fullDiskAccess: fda, copied, attention: fda === 'granted' ? [] : ['grant Full Disk Access to /usr/local/converge/runtime/bin/node'] }));
    icloud('2026-11-25T10:00:00Z', 3);

    expect(converge(['apply', ...args]).exitCode).toBe(0);
    const status = () => JSON.parse(readFileSync(path.join(root, 'space/devices/mac/mike/_status.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(status().ingestion.icloud).toMatchObject({ fullDiskAccess: 'granted', copied: 3 });
    expect(status().ingestion.onedrive).toEqual({ state: 'missing', file: '/home/mike/state/onedrive.json' });
    expect(status().mounts).toEqual({ '/space': 'not mounted' });
    expect(status().attention).toEqual(['/space is not mounted']);

    icloud('2026-11-25T10:15:00Z', 7); // another ingestion run: new time, new counts
    expect(converge(['plan', ...args]).exitCode).toBe(0);

    icloud('2026-11-25T10:30:00Z', 0, 'missing'); // macOS took the permission away
    const plan = converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('+      "fullDiskAccess": "missing",');
    expect(converge(['apply', ...args]).exitCode).toBe(0);
    expect(status().attention).toEqual(['grant Full Disk Access to /usr/local/converge/runtime/bin/node', '/space is not mounted']);
  });

  it('keeps reserved names reserved', () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/s.yml': 'resources:\n  - statusFile: /s.json\n    include: { result.x: /r.json }\n' });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('include may not redefine');
  });
});
