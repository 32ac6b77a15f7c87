// plan/apply with the agent's config: it supplies host and root, and a lab
// config with a sandbox root keeps its state inside the sandbox.
import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('--config', () => {
  it('takes host and root from the config, creates a missing root, and keeps state under it', () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': 'resources:\n  - file: /etc/a.conf\n    content: "a\\n"\n' });
    const root = path.join(tempDir(), 'not-yet');
    const config = path.join(tempDir(), 'config.yml');
    writeFileSync(config, `host: h\nrepo: file://${fleet.dir}\nroot: ${root}\n`);
    const r = converge(['apply', '--repo', fleet.dir, '--config', config]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(root, 'etc/a.conf'))).toBe(true);
    expect(existsSync(path.join(root, 'var/lib/converge/reports/h.json'))).toBe(true);
  });

  it('reports a bad config with file:line:column', () => {
    const config = path.join(tempDir(), 'config.yml');
    writeFileSync(config, 'host: h\nrepo: x\npoll: soon\nselfheal: true\n');
    const r = converge(['plan', '--config', config, '--repo', tempDir()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${config}:3:7: poll: must be a duration like 30s, 15m or 1h`);
    expect(r.stderr).toContain(`${config}:4:1: unknown field 'selfheal' in the agent config (did you mean 'selfHeal'?)`);
  });
});
