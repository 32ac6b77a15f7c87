// Packages on Linux: what is installed is asked once per run for all
// packages (dpkg-query or rpm); the first package to install installs every
// ready one in one apt-get/dnf call. Stale package lists are refreshed once
// and the install retried. Under --root nothing is installed: the sandbox has
// no package manager of its own to run.
import { existsSync } from 'node:fs';
import type { Change, Context, Provider } from '../types.js';
import type { PackageSpec } from './schema.js';
import { MANAGERS } from './managers.js';
import type { PackageManager } from './managers.js';
import { readyBatch } from '../shared/batch.js';
import { ConvergeError } from '../../platform/errors.js';

export interface PackageObserved {
  installed: boolean;
  version: string | null;
  /** Why it cannot be changed here, if it cannot. */
  blocked?: string;
}

interface PackageRun {
  manager: PackageManager | null;
  specs: Map<string, PackageSpec>;
  installed: Map<string, string | null>;
  /** What packages installed early by another package's batch looked like before, for their own report. */
  snapshots: Map<string, PackageObserved>;
  updated: boolean;
}

const KEY = 'package:run';
const SANDBOXED = "needs the real system's package manager, not --root";

function run(ctx: Context): PackageRun {
  let r = ctx.cache.get(KEY) as PackageRun | undefined;
  if (!r) {
    const manager = MANAGERS.find((m) => existsSync(ctx.local(m.probe))) ?? null;
    r = { manager, specs: new Map(), installed: new Map(), snapshots: new Map(), updated: false };
    ctx.cache.set(KEY, r);
  }
  return r;
}

export const linuxPackageProvider: Provider<PackageSpec, PackageObserved> = {
  async prefetch(specs, ctx) {
    const r = run(ctx);
    for (const s of specs) r.specs.set(s.package, s);
    await query(ctx, specs.map((s) => s.package));
  },

  async observe(spec, ctx) {
    const r = run(ctx);
    if (!r.manager) {
      return { installed: false, version: null, blocked: ctx.sandboxed ? SANDBOXED : 'no apt-get or dnf on this system' };
    }
    const snapshot = r.snapshots.get(spec.package);
    if (snapshot) {
      r.snapshots.delete(spec.package);
      return snapshot;
    }
    if (!r.installed.has(spec.package)) await query(ctx, [spec.package]);
    const version = r.installed.get(spec.package) ?? null;
    if (spec.ensure === 'absent' && version === null) return null;
    return { installed: version !== null, version, ...(ctx.sandboxed ? { blocked: SANDBOXED } : {}) };
  },

  absent: (observed) => !observed.installed,

  diff(spec, observed) {
    const changes: Change[] = [];
    const skipped = observed?.blocked ? { skipped: observed.blocked } : {};
    if (!observed?.installed) changes.push({ property: 'ensure', from: null, to: spec.version ? `installed ${spec.version}` : 'installed', ...skipped });
    else if (spec.version !== undefined && observed.version !== spec.version) changes.push({ property: 'version', from: observed.version, to: spec.version, ...skipped });
    return changes;
  },

  async apply(spec, _changes, ctx) {
    const r = run(ctx);
    const manager = r.manager!;
    if (satisfied(spec, r.installed.get(spec.package))) return; // installed earlier in this run's batch
    // every ready package of the run that is not installed (at its version) goes in this one call
    const pending = [...r.specs.values()].filter((s) => s.ensure !== 'absent' && !satisfied(s, r.installed.get(s.package)));
    const ready = readyBatch(ctx, `package:${spec.package}`, pending.map((s) => `package:${s.package}`));
    const batch = pending.filter((s) => ready.has(`package:${s.package}`));
    if (!batch.some((s) => s.package === spec.package)) batch.unshift(spec);
    const items = batch.map((s) => (s.version ? manager.pin(s.package, s.version) : s.package));
    const before = new Map(batch.map((s) => [s.package, r.installed.get(s.package) ?? null]));
    await runManager(ctx, r, manager.install(items), `install ${items.join(' ')}`);
    await query(ctx, batch.map((s) => s.package), true);
    for (const s of batch) {
      const was = before.get(s.package) ?? null;
      if (s.package !== spec.package) r.snapshots.set(s.package, { installed: was !== null, version: was });
    }
  },

  async remove(spec, ctx) {
    const r = run(ctx);
    if (ctx.sandboxed || !r.manager) throw new ConvergeError('unsupported', r.manager ? SANDBOXED : 'no apt-get or dnf on this system');
    await runManager(ctx, r, r.manager.remove([spec.package]), `remove ${spec.package}`);
    await query(ctx, [spec.package], true);
  },
};

function satisfied(spec: PackageSpec, version: string | null | undefined): boolean {
  return version !== null && version !== undefined && (spec.version === undefined || spec.version === version);
}

/** What is installed, for `names` not yet known (or all of them with `fresh`). One call. */
async function query(ctx: Context, names: string[], fresh = false): Promise<void> {
  const r = run(ctx);
  if (!r.manager) return;
  const ask = fresh ? names : names.filter((n) => !r.installed.has(n));
  if (ask.length === 0) return;
  const [file, args] = r.manager.query(ask, ctx.sandboxed ? ctx.root : null);
  const result = await ctx.runner.run(file, args, { timeoutMs: 60_000 });
  // dpkg-query and rpm exit 1 when some package is unknown; their stdout still lists the others
  if (result.exitCode > 1) throw new ConvergeError('io', `${file} failed: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.exitCode}`}`);
  for (const [name, version] of r.manager.parseQuery(result.stdout, ask)) r.installed.set(name, version);
}

async function runManager(ctx: Context, r: PackageRun, [file, args]: [string, string[]], what: string): Promise<void> {
  const env = r.manager!.env;
  let result = await ctx.runner.run(file, args, { env, timeoutMs: 30 * 60_000 });
  if (result.exitCode !== 0 && !r.updated && r.manager!.isStale(result.stdout + result.stderr)) {
    // the package lists are older than the mirror: refresh them once per run and try again
    r.updated = true;
    const [uf, ua] = r.manager!.update;
    await ctx.runner.run(uf, ua, { env, timeoutMs: 10 * 60_000 });
    result = await ctx.runner.run(file, args, { env, timeoutMs: 30 * 60_000 });
  }
  if (result.exitCode !== 0) {
    const tail = ctx.scrubber.scrub((result.stderr.trim() || result.stdout.trim()).split('\n').slice(-6).join('\n'));
    throw new ConvergeError('io', `${r.manager!.name} ${what} failed (exit ${result.exitCode}):\n${tail}`);
  }
}
