// The Node.js runtime of a new release: the one the commit's
// controller/runtime.json pins. Unchanged pin (or a runtime the bootstrap was
// given with --node): the current one stays. Otherwise the pinned npm package
// tarball is downloaded, its SHA-256 checked, and extracted beside the others.
import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from '../../platform/zod.js';
import { exec } from './exec.js';
import type { Layout } from './release.js';

const Pin = z.object({ package: z.string(), version: z.string().regex(/^\d+\.\d+\.\d+$/), tarball: z.url(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const NpmPin = z.object({ version: z.string().regex(/^\d+\.\d+\.\d+$/), tarball: z.url(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export const RuntimePins = z.object({ node: z.object({ npm: z.record(z.string(), Pin) }), npm: NpmPin.optional() });
export type RuntimePins = z.infer<typeof RuntimePins>;

/** The runtime pins of `commit` (controller/runtime.json), or null when it has none. */
export async function runtimePinsAt(gitDir: string, commit: string): Promise<RuntimePins | null> {
  const text = await exec('git', ['-C', gitDir, 'show', `${commit}:controller/runtime.json`]).catch(() => null);
  return text === null ? null : RuntimePins.parse(JSON.parse(text));
}

/** `linux-x64` and the like: the key of this machine in runtime.json. */
export function platformKey(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'win' : platform;
  return `${os}-${arch}`;
}

/** The runtime link target for the new release, installing it first when the pin changed. */
export async function ensureRuntime(l: Layout, current: string, currentPin: string | undefined, pins: RuntimePins | null, download: (url: string) => Promise<Uint8Array> = fetchBytes): Promise<{ target: string; pin?: string }> {
  if (!pins || current === 'runtime-external') return { target: current, pin: currentPin };
  const key = platformKey();
  const pin = pins.node.npm[key];
  if (!pin) throw new Error(`controller/runtime.json pins no Node.js for ${key}`);
  if (pin.version === currentPin) return { target: current, pin: currentPin };
  const name = `node-v${pin.version}-${key}`;
  const dir = path.join(l.runtimes, name);
  const target = `runtimes/${name}`;
  const installed = await access(path.join(dir, 'bin', 'node')).then(() => true, () => false);
  if (installed) return { target, pin: pin.version };
  await installTarball(l, name, pin, (dir) => exec(path.join(dir, 'bin', 'node'), ['--version']), download);
  return { target, pin: pin.version };
}

/**
 * The npm CLI pinned beside the runtime (`runtimes/npm-v<version>/bin/npm-cli.js`),
 * installed first when missing; null when the commit pins none.
 */
export async function ensureNpm(l: Layout, pins: RuntimePins | null, download: (url: string) => Promise<Uint8Array> = fetchBytes): Promise<string | null> {
  if (!pins?.npm) return null;
  const name = `npm-v${pins.npm.version}`;
  const cli = path.join(l.runtimes, name, 'bin', 'npm-cli.js');
  if (!(await access(cli).then(() => true, () => false))) await installTarball(l, name, pins.npm, (dir) => access(path.join(dir, 'bin', 'npm-cli.js')), download);
  return cli;
}

/** Download a pinned tarball, check its SHA-256, extract it beside the other runtimes as `name` (temp folder, renamed when whole). */
async function installTarball(l: Layout, name: string, pin: { tarball: string; sha256: string }, check: (dir: string) => Promise<unknown>, download: (url: string) => Promise<Uint8Array>): Promise<void> {
  const bytes = await download(pin.tarball);
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== pin.sha256) throw new Error(`${pin.tarball} has SHA-256 ${sum}, not the pinned ${pin.sha256}: not installing it`);
  const dir = path.join(l.runtimes, name);
  await mkdir(l.runtimes, { recursive: true });
  const tmp = path.join(l.runtimes, `.new-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    const archive = path.join(tmp, '.download.tgz');
    await writeFile(archive, bytes);
    await exec('tar', ['-xzf', archive, '-C', tmp, '--strip-components=1']);
    await rm(archive);
    await check(tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
