// controller/runtime.json is the one pin of the device runtime: well formed
// (one Node.js version, a registry tarball and SHA-256 for every device OS,
// the npm CLI the agent is built with), and read by every bootstrap script and
// the CI script instead of a second copy of a version or checksum in scripts/.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../helpers/cli.js';

const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win-x64'] as const;
const Sha = z.string().regex(/^[0-9a-f]{64}$/);
const Version = z.string().regex(/^\d+\.\d+\.\d+$/);
const Pin = z.strictObject({ package: z.string(), tarball: z.url(), sha256: Sha });
const RuntimeFile = z.strictObject({
  $comment: z.array(z.string()).min(1),
  node: z.strictObject({ version: Version, npm: z.strictObject(Object.fromEntries(PLATFORMS.map((p) => [p, Pin])) as Record<(typeof PLATFORMS)[number], typeof Pin>) }),
  npm: z.strictObject({ version: Version, tarball: z.url(), sha256: Sha }),
});
const READERS = ['scripts/bootstrap/linux.sh', 'scripts/bootstrap/macos.sh', 'scripts/bootstrap/windows.ps1', 'scripts/ci/device-runtime.sh'];
/** Scripts another branch moves to runtime.json (issue 15's self-upgrade owns linux.sh): allowed to keep their own pin until it lands. */
const PENDING = new Set(['scripts/bootstrap/linux.sh']);

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
  for (const v of [pins.node.version, pins.npm.version]) if (text.includes(v)) found.push(v);
  return found;
}

describe('controller/runtime.json', () => {
  it('pins one Node.js version for every device OS, each a registry tarball of that version with its SHA-256, and the npm CLI', () => {
    for (const p of PLATFORMS) {
      const pin = pins.node.npm[p];
      const [os, arch] = p.split('-');
      expect([`node-${os}-${arch}`, `node-bin-${os}-${arch}`]).toContain(pin.package);
      expect(pin.tarball).toBe(`https://registry.npmjs.org/${pin.package}/-/${pin.package}-${pins.node.version}.tgz`);
    }
    expect(pins.npm.tarball).toBe(`https://registry.npmjs.org/npm/-/npm-${pins.npm.version}.tgz`);
    expect(Number(pins.node.version.split('.')[0])).toBeGreaterThanOrEqual(24);
    const shas = [...PLATFORMS.map((p) => pins.node.npm[p].sha256), pins.npm.sha256];
    expect(new Set(shas).size).toBe(shas.length);
  });

  it('is where every bootstrap script and the CI script take the runtime from: no second version or SHA-256 in scripts/', () => {
    for (const file of READERS.filter((f) => !PENDING.has(f))) expect(readFileSync(path.join(PROJECT_ROOT, file), 'utf8').includes('controller/runtime.json'), `${file} names controller/runtime.json`).toBe(true);
    const copies = filesUnder('scripts').filter((f) => !PENDING.has(f)).map((f) => [f, ownPins(readFileSync(path.join(PROJECT_ROOT, f), 'utf8'))]).filter(([, found]) => found.length > 0);
    expect(copies).toEqual([]);
    for (const f of PENDING) expect(ownPins(readFileSync(path.join(PROJECT_ROOT, f), 'utf8')), `${f} reads runtime.json now: take it out of PENDING`).not.toEqual([]);
  });
});
