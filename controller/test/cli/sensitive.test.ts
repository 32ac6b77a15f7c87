// A file marked sensitive never shows its content: not in the plan, the apply
// output, --json, or the report in the state directory.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function allText(dir: string): string {
  return readdirSync(dir).map((e) => {
    const full = path.join(dir, e);
    if (statSync(full).isDirectory()) return e === 'backups' ? '' : allText(full);
    return readFileSync(full, 'utf8');
  }).join('\n');
}

describe('sensitive files', () => {
  it('keep their content out of every output', () => {
    const fleet = createFleet({
      'hosts/h/host.yml': 'os: linux\n',
      'hosts/h/a.yml': 'resources:\n  - file: /etc/app/token\n    content: "hunter2-not-for-logs\\n"\n    sensitive: true\n    mode: "0600"\n',
    });
    const root = tempDir();
    const args = ['--repo', fleet.dir, '--host', 'h', '--root', root];
    const outputs = [converge(['plan', ...args]), converge(['plan', '--json', ...args]), converge(['apply', '--diff', ...args])];
    fleet.commit({ 'hosts/h/a.yml': 'resources:\n  - file: /etc/app/token\n    content: "rotated-also-secret\\n"\n    sensitive: true\n    mode: "0600"\n' });
    outputs.push(converge(['plan', ...args]), converge(['apply', '--json', ...args]));
    const everything = outputs.map((o) => o.stdout + o.stderr).join('\n') + allText(path.join(root, 'var/lib/converge'));
    expect(outputs[0]!.stdout).toContain('(content hidden: sensitive)');
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('rotated-also-secret');
    expect(readFileSync(path.join(root, 'etc/app/token'), 'utf8')).toBe('rotated-also-secret\n');
  });
});
