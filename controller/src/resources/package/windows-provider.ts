// Packages on Windows: a pinned MSI or EXE (downloaded once into
// ProgramData\converge\cache, used only if its SHA256 is the pinned one), run
// silently; found again through the Uninstall registry keys, read once per run.
// No winget: it is not there for SYSTEM, and it does not pin bytes.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Change, Context, Provider } from '../types.js';
import type { WindowsInstaller } from './windows-fields.js';
import type { PackageSpec } from './schema.js';
import { LIST_PROGRAMS, findProgram } from './windows-detect.js';
import type { InstalledProgram } from './windows-detect.js';
import { underRoot } from '../shared/os-skip.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { ConvergeError } from '../../platform/errors.js';

/** The package at run time: whether this run is under --root (diff is pure and cannot ask). */
export type WindowsPackageSpec = PackageSpec & { sandboxed?: boolean };

const CACHE_KEY = 'package:windows-programs';
const CACHE_DIR = 'C:/ProgramData/converge/cache/installers';
/** msiexec and most installers: 3010 and 1641 mean "installed, restart needed". */
const OK_CODES = [0, 3010, 1641];

function installerType(i: WindowsInstaller): 'msi' | 'exe' {
  return i.type ?? (new URL(i.url).pathname.toLowerCase().endsWith('.msi') ? 'msi' : 'exe');
}

/** Where the installer is kept: named by its hash, so a new version never reuses an old file. */
export function installerPath(i: WindowsInstaller): string {
  return `${CACHE_DIR}/${i.sha256.slice(0, 16)}-${path.posix.basename(new URL(i.url).pathname) || 'installer'}`;
}

/** The argument vector that installs it. */
export function installArgv(i: WindowsInstaller): string[] {
  const file = installerPath(i).replace(/\//g, '\\');
  if (installerType(i) === 'msi') return ['msiexec.exe', '/i', file, '/qn', '/norestart', '/l*v', `${file}.log`, ...(i.args ?? [])];
  return [file, ...(i.args ?? [])];
}

async function programs(ctx: Context): Promise<InstalledProgram[]> {
  let list = ctx.cache.get(CACHE_KEY) as InstalledProgram[] | undefined;
  if (!list) {
    const answer = await (await powershell(ctx)).one<{ programs?: InstalledProgram[] }>(LIST_PROGRAMS);
    list = answer?.programs ?? [];
    ctx.cache.set(CACHE_KEY, list);
  }
  return list;
}

export const windowsPackageProvider: Provider<WindowsPackageSpec, InstalledProgram> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async prefetch(_specs, ctx) {
    if (!ctx.sandboxed) await programs(ctx);
  },

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    return findProgram(await programs(ctx), spec.package, spec.installer?.productCode);
  },

  diff(spec, observed) {
    if (spec.sandboxed) {
      if (!spec.installer) return [];
      const command = `download ${spec.installer.url}, check SHA256 ${spec.installer.sha256}, run ${installArgv(spec.installer).join(' ')}`;
      return [{ property: 'ensure', from: null, to: `${spec.package}${spec.version ? ` ${spec.version}` : ''}`, skipped: underRoot('Windows (the Uninstall registry, the installer)', command) }];
    }
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: `${spec.package}${spec.version ? ` ${spec.version}` : ''}` });
    else if (spec.version && observed.version !== spec.version) changes.push({ property: 'version', from: observed.version || null, to: spec.version });
    return changes;
  },

  async apply(spec, _changes, ctx) {
    const i = spec.installer;
    if (!i) throw new ConvergeError('invalid-input', `${spec.package} is not installed and the manifest gives no installer (url and sha256) to install it with`);
    const local = ctx.local(installerPath(i));
    let bytes = await readFile(local).catch(() => null);
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== i.sha256) {
      const response = await fetch(i.url);
      if (!response.ok) throw new ConvergeError('transient', `download of ${i.url} failed: HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
      const sum = createHash('sha256').update(bytes).digest('hex');
      if (sum !== i.sha256) throw new ConvergeError('rejected', `${i.url} has SHA256 ${sum}, not the pinned ${i.sha256}: not running it`);
      await mkdir(path.dirname(local), { recursive: true });
      await writeFile(local, bytes);
    }
    const [file, ...args] = installArgv(i);
    const r = await ctx.runner.run(file!, args, { timeoutMs: 30 * 60_000 });
    ctx.cache.delete(CACHE_KEY); // the next observe reads the Uninstall keys again
    if (!OK_CODES.includes(r.exitCode)) throw new ConvergeError('io', `installing ${spec.package} failed: ${file} exited ${r.exitCode}${installerType(i) === 'msi' ? ` (log: ${installerPath(i)}.log)` : ''}`);
    if (r.exitCode !== 0) ctx.log.child({ component: 'package' }).warn({ package: spec.package, exitCode: r.exitCode }, 'installed; Windows wants a restart');
  },

  async remove(spec, ctx) {
    if (ctx.sandboxed) return;
    const found = findProgram(await programs(ctx), spec.package, spec.installer?.productCode);
    if (!found) return;
    let argv: string[];
    if (/^\{[0-9A-Fa-f-]{36}\}$/.test(found.key)) argv = ['msiexec.exe', '/x', found.key, '/qn', '/norestart'];
    else if (found.quietUninstall) argv = ['cmd.exe', '/d', '/s', '/c', found.quietUninstall];
    else if (spec.installer?.uninstallArgs && found.uninstall) argv = ['cmd.exe', '/d', '/s', '/c', `${found.uninstall} ${spec.installer.uninstallArgs.join(' ')}`];
    else throw new ConvergeError('unsupported', `${spec.package} has no quiet uninstaller (QuietUninstallString); give installer.uninstallArgs`);
    const r = await ctx.runner.run(argv[0]!, argv.slice(1), { timeoutMs: 30 * 60_000 });
    ctx.cache.delete(CACHE_KEY);
    if (!OK_CODES.includes(r.exitCode)) throw new ConvergeError('io', `removing ${spec.package} failed: ${argv.join(' ')} exited ${r.exitCode}`);
  },
};
