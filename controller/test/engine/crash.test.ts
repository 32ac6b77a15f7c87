// kill -9 in the middle of an apply, then apply again: no half-written file,
// no temp file left, nothing converge created is forgotten.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { CONVERGE_BIN, converge } from '../helpers/cli.js';

const FILES = 1500;

function bigFleet() {
  const lines = ['resources:'];
  for (let i = 0; i < FILES; i++) lines.push(`  - file: /data/d${i % 30}/f${i}.txt`, `    content: "${'line of content '.repeat(20)}${i}\\n"`);
  return createFleet({ 'hosts/h/host.yml': 'os: linux\nprune: true\n', 'hosts/h/files.yml': lines.join('\n') + '\n' });
}

describe('a killed apply', () => {
  it('leaves only whole files, and the next apply finishes the job and remembers everything it created', async () => {
    const fleet = bigFleet();
    const root = tempDir();
    const child = spawn(process.execPath, [CONVERGE_BIN, 'apply', '--repo', fleet.dir, '--host', 'h', '--root', root], { stdio: 'ignore' });
    // kill it once it has written a few hundred files
    const countFiles = () => (existsSync(path.join(root, 'data')) ? readdirSync(path.join(root, 'data')).reduce((n, d) => n + readdirSync(path.join(root, 'data', d)).length, 0) : 0);
    for (let i = 0; i < 600 && countFiles() < 300; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const written = countFiles();
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(FILES + 1); // killed before the end (temp files count here too)

    for (const d of readdirSync(path.join(root, 'data'))) {
      for (const f of readdirSync(path.join(root, 'data', d))) {
        if (f.startsWith('.')) continue; // a temp file, never at a managed path
        const text = readFileSync(path.join(root, 'data', d, f), 'utf8');
        expect(text).toMatch(/^(line of content ){20}\d+\n$/);
      }
    }

    const again = converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.summary.failed).toBe(0);
    const leftovers = readdirSync(path.join(root, 'data')).flatMap((d) => readdirSync(path.join(root, 'data', d)).filter((f) => f.startsWith('.')));
    expect(leftovers).toEqual([]);

    // Everything created across both runs was remembered as created: removing the manifests prunes all of it.
    fleet.commit({ 'hosts/h/files.yml': 'resources: []\n' });
    const pruned = converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--json']);
    expect(JSON.parse(pruned.stdout).summary).toMatchObject({ pruned: FILES, failed: 0 });
    expect(readdirSync(path.join(root, 'data')).flatMap((d) => readdirSync(path.join(root, 'data', d)))).toEqual([]);
    expect(statSync(path.join(root, 'data')).isDirectory()).toBe(true);
  });
});
