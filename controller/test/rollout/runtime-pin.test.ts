// controller/runtime.json is the one pin of the device runtime: well formed
// (a supported LTS with its registry tarball and SHA-256 for every device OS,
// the npm CLI the agent is built with), and read by every bootstrap script and
// the CI script instead of a second copy of a version or checksum in scripts/.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { PROJECT_ROOT } from '../helpers/cli.js';

const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win-x64'] as const;
const Sha = z.string().regex(/^[0-9a-f]{64}$/);
const Version = z.string().regex(/^\d+\.\d+\.\d+$/);
const Pin = z.strictObject({ package: z.string(), version: Version, tarball: z.url(), sha256: Sha });
const RuntimeFile = z.strictObject({
  $comment: z.array(z.string()).min(1),
  node: z.strictObject({ npm: z.strictObject(Object.fromEntries(PLATFORMS.map((p) => [p, Pin])) as Record<(typeof PLATFORMS)[number], typeof Pin>) }),
  npm: z.strictObject({ version: Version, tarball: z.url(), sha256: Sha }),
  nodeFlags: z.array(z.string().regex(/^--[a-z][a-z-]*(=[\w.-]+)?$/)),
});
const READERS = ['scripts/bootstrap/linux.sh', 'scripts/bootstrap/macos.sh', 'scripts/bootstrap/windows.ps1', 'scripts/device-node.sh'];

const pins = RuntimeFile.parse(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'controller/runtime.json'), 'utf8')));

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    return statSync(path.join(PROJECT_ROOT, rel)).isDirectory() ? filesUnder(rel) : [rel];
  });
}

/** A version or checksum pinned in the text itself, rather than read from runtime.json. */
function ownPins(text: string): string[] {
  const found: string[] = [...(text.match(/\b[0-9a-f]{64}\b|nodejs\.org\/dist|NODE_VERSION=\S+|\$NodeVersion = '[^']*'/g) ?? [])];
  for (const v of [...PLATFORMS.map((p) => pins.node.npm[p].version), pins.npm.version]) if (text.includes(v)) found.push(v);
  return found;
}

describe('controller/runtime.json', () => {
  it('pins an LTS Node.js for every device OS (24 or newer where the registry has one), each a registry tarball of that version with its SHA-256, and the npm CLI', () => {
    for (const p of PLATFORMS) {
      const pin = pins.node.npm[p];
      const [os, arch] = p.split('-');
      expect([`node-${os}-${arch}`, `node-bin-${os}-${arch}`]).toContain(pin.package);
      expect(pin.tarball).toBe(`https://registry.npmjs.org/${pin.package}/-/${pin.package}-${pin.version}.tgz`);
      // LTS lines are the even majors; Apple silicon's package has no 24.x LTS build, so 22 (supported until April 2027)
      const major = Number(pin.version.split('.')[0]);
      expect(major % 2, `${p} ${pin.version} is an LTS line`).toBe(0);
      expect(major, `${p} ${pin.version}`).toBeGreaterThanOrEqual(p === 'darwin-arm64' ? 22 : 24);
    }
    expect(pins.npm.tarball).toBe(`https://registry.npmjs.org/npm/-/npm-${pins.npm.version}.tgz`);
    const shas = [...PLATFORMS.map((p) => pins.node.npm[p].sha256), pins.npm.sha256];
    expect(new Set(shas).size).toBe(shas.length);
  });

  it('gives the agent node flags that node takes (an unknown one would stop the service from starting)', () => {
    expect(pins.nodeFlags.length).toBeGreaterThan(0);
    const run = spawnSync(process.execPath, [...pins.nodeFlags, '-e', 'process.exit(7)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(7);
  });

  it('is where every bootstrap script and the CI script take the runtime from: no second version or SHA-256 in scripts/', () => {
    for (const file of READERS) expect(readFileSync(path.join(PROJECT_ROOT, file), 'utf8').includes('controller/runtime.json'), `${file} names controller/runtime.json`).toBe(true);
    const copies = filesUnder('scripts').map((f) => [f, ownPins(readFileSync(path.join(PROJECT_ROOT, f), 'utf8'))]).filter(([, found]) => found.length > 0);
    expect(copies).toEqual([]);
  });
});
