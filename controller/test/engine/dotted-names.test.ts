// A folder whose name only starts with two dots (/..cache on the host, ..shared
// at the top of the repository) is a folder like any other: it is inside the
// root and inside the repository. Before leavesBase, the safe-path walk took
// `..cache/x` for a path out of the root and failed the file with "/..cache is
// not under <root>", and the template loader took `..shared/motd.j2` for a path
// out of the repository.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { entry, runOnce } from '../helpers/engine.js';

describe('names that start with two dots', () => {
  it('converge a file in /..cache and one rendered from a template in the repository ..shared folder', async () => {
    const fleet = createFleet({
      'hosts/h/host.yml': 'os: linux\n',
      'hosts/h/a.yml': [
        'resources:',
        '  - directory: /..cache',
        '  - file: /..cache/x',
        '    content: "x\\n"',
        '  - file: /etc/motd',
        '    template: ../../..shared/motd.j2',
        '',
      ].join('\n'),
      '..shared/motd.j2': 'hello {{ host.name }}\n',
    });
    const root = tempDir();
    const report = await runOnce(fleet.dir, 'h', root);

    for (const id of ['directory:/..cache', 'file:/..cache/x', 'file:/etc/motd']) expect(entry(report, id).status, id).toBe('changed');
    expect(statSync(path.join(root, '..cache')).isDirectory()).toBe(true);
    expect(readFileSync(path.join(root, '..cache/x'), 'utf8')).toBe('x\n');
    expect(readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('hello h\n');
  });
});
