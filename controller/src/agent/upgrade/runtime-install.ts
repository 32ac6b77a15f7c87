// The Node.js runtime of a new release: the one the commit's
// controller/runtime.json pins. Unchanged pin (or a runtime the bootstrap was
// given with --node): the current one stays. Otherwise the pinned npm package
// tarball is downloaded, its SHA-256 checked, and extracted beside the others.
import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { exec } from './exec.js';
import type { Layout } from './release.js';

const Pin = z.object({ package: z.string(), tarball: z.url(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export const RuntimePins = z.object({ node: z.object({ version: z.string().regex(/^\d+\.\d+\.\d+$/), npm: z.record(z.string(), Pin) }) });
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
  if (!pins || current === 'runtime-external' || pins.node.version === currentPin) return { target: current, pin: currentPin };
  const key = platformKey();
  const pin = pins.node.npm[key];
  if (!pin) throw new Error(`controller/runtime.json pins no Node.js for ${key}`);
  const name = `node-v${pins.node.version}-${key}`;
  const dir = path.join(l.runtimes, name);
  const target = `runtimes/${name}`;
  const installed = await access(path.join(dir, 'bin', 'node')).then(() => true, () => false);
  if (installed) return { target, pin: pins.node.version };
  const bytes = await download(pin.tarball);
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== pin.sha256) throw new Error(`${pin.tarball} has SHA-256 ${sum}, not the pinned ${pin.sha256}: not installing it`);
  await mkdir(l.runtimes, { recursive: true });
  const tmp = path.join(l.runtimes, `.new-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    const archive = path.join(tmp, '.download.tgz');
    await writeFile(archive, bytes);
    await exec('tar', ['-xzf', archive, '-C', tmp, '--strip-components=1']);
    await rm(archive);
    await exec(path.join(tmp, 'bin', 'node'), ['--version']);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return { target, pin: pins.node.version };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
