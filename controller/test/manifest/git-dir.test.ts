// A link in the repository that leads into .git/ (finding 18): the agent's
// clone config holds the remote URL, with credentials when the URL has them.
// "Inside the repository" means its files, so a merged commit cannot copy it
// into a managed file or the status report.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createFleet, git } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

describe('links into .git/', () => {
  it('are refused as source:, template: and include, with the line that names them', () => {
    const fleet = createFleet({
      'hosts/lab/host.yml': 'os: linux\n',
      'hosts/lab/a.yml': [
        'resources:',
        '  - file: /srv/leak.txt',
        '    source: files/c',
        '  - file: /srv/leak2.txt',
        '    template: files/t.njk',
        '  - file: /srv/leak3.txt',
        '    content: "{% include \'hosts/lab/files/c\' %}"',
        '',
      ].join('\n'),
      'hosts/lab/files/t.njk': '{% include "hosts/lab/files/c" %}\n',
    });
    git(fleet.dir, 'config', 'remote.origin.url', 'https://x-access-token:ghp_SECRETINCONFIG@example.invalid/fleet.git');
    mkdirSync(path.join(fleet.dir, 'hosts/lab/files'), { recursive: true });
    symlinkSync('../../../.git/config', path.join(fleet.dir, 'hosts/lab/files/c'));
    const root = tempDir();
    const r = converge(['apply', '--repo', fleet.dir, '--host', 'lab', '--root', root]);
    expect(r.exitCode).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/a\.yml:3:\d+: source: 'files\/c' leads into \.git\//);
    expect(out).toMatch(/t\.njk:1:1: 'hosts\/lab\/files\/c' leads into \.git\//);
    expect(out).toMatch(/a\.yml:7:\d+: .*'hosts\/lab\/files\/c' leads into \.git\//);
    expect(out).not.toContain('ghp_SECRETINCONFIG');
    expect(existsSync(path.join(root, 'srv'))).toBe(false);
  });
});
