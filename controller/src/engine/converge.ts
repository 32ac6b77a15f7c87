// One run over a validated host: for each resource in order, observe → diff →
// apply → observe again; a failure fails only that resource and skips its
// dependents; then prune from the inventory. Plan and monitor stop after diff.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Applied, Change, Context, Provider, Resource, Spec } from '../resources/types.js';
import { resourceType } from '../resources/registry.js';
import { loadTypes } from '../resources/shared/lazy-provider.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { formatLocation } from '../manifest/diagnostics.js';
import type { Report, ResourceReport } from '../report/report.js';
import { resultOf, summarize } from '../report/report.js';
import { Backups, pruneBackups } from './backups.js';
import { Inventory } from './inventory.js';
import type { InventoryEntry } from './inventory.js';
import type { BaseContext } from './context.js';
import { hashOf } from './stable-json.js';
import { carriedOver, mergeResults } from './scope.js';
import { ApplyWindow } from './window.js';
import type { RunScope } from './scope.js';
import { describeChange } from '../report/changes.js';
import { describeError, messageOf } from '../platform/errors.js';
import { beginDirCache, dropDirCache, endDirCache, recheckDirCache } from '../platform/safe-path.js';
import { durableWrites } from '../resources/shared/durable.js';
import { beginRun, endRun, removeStaleTempFiles } from './recovery.js';
import { AGENT_VERSION } from '../platform/version.js';

export type RunMode = 'apply' | 'plan' | 'monitor';

export interface ConvergeOptions {
  mode: RunMode;
  /** The fleet commit the manifests came from. */
  commit?: string | null;
  /** Stop between resources (SIGTERM): the rest are skipped and the report is still written. */
  signal?: AbortSignal;
  /** Called as each resource finishes (one line per change in the CLI). */
  onResource?(result: ResourceReport): void;
  /** Backup folders to keep (default 20). */
  keepBackups?: number;
  /** Converge only these resources (a drift heal); the report still covers the whole host. No prune. */
  scope?: RunScope;
}

/** What a run did, beyond the report: the backups it took (for rollback). */
export interface RunOutcome {
  report: Report;
  runId: string;
  backupDir: string | null;
}

/** Converge (or plan) one host. Never throws for a resource's failure; throws only if the state directory is unusable. */
export async function converge(loaded: LoadedHost, base: BaseContext, options: ConvergeOptions): Promise<RunOutcome> {
  beginDirCache(); // the run's walked directories stay open (platform/safe-path.ts)
  try {
    return await convergeHost(loaded, base, options);
  } finally {
    endDirCache();
  }
}

async function convergeHost(loaded: LoadedHost, base: BaseContext, options: ConvergeOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  const applying = options.mode === 'apply';
  const backupDir = applying ? path.join(base.stateDir, 'backups', runId) : null;
  const results: ResourceReport[] = [];
  const scope = options.scope;
  const resources = scope ? loaded.resources.filter((r) => scope.ids.has(r.id)) : loaded.resources;
  const carried = scope ? carriedOver(scope) : [];
  const statuses = new Map<string, ResourceReport['status']>(carried.map((r) => [r.id, r.status]));
  const ctx: Context = {
    ...base,
    backups: new Backups(backupDir, base.root),
    cache: new Map(),
    run: {
      id: runId,
      commit: options.commit ?? null,
      startedAt: startedAt.toISOString(),
      summary: () => summarize(scope ? [...carried, ...results] : results),
      after: (id) => (loaded.graph.after.get(id) ?? []).map((e) => e.to),
      statusOf: (id) => statuses.get(id),
    },
  };
  const log = base.log.child({ component: 'engine', host: loaded.host.name });
  const inventory = await Inventory.load(base.stateDir, loaded.host.name);
  const record = (r: ResourceReport) => {
    const clean = ctx.scrubber.scrubValue(r);
    results.push(clean);
    statuses.set(clean.id, clean.status);
    if (clean.status !== 'unchanged') log.info({ id: clean.id, status: clean.status, changes: clean.changes?.map(describeChange) }, 'resource');
    options.onResource?.(clean);
  };

  if (applying && beginRun(base.stateDir, loaded.host.name, runId)) {
    const removed = removeStaleTempFiles(loaded, ctx);
    log.warn({ removed }, 'the previous run was interrupted; removed the temp files it left');
  }
  await loadTypes([...resources.map((r) => r.type), ...[...inventory.entries.values()].map((e) => e.type)].map((t) => resourceType(t)));
  await prefetch(resources, loaded.host.os, ctx, log);
  const changed = new Set<string>();
  const broken = new Set<string>(); // failed, or skipped because something they need failed
  const durable = durableWrites(ctx);
  const width = durable.begin(); // until the window drains, the temp files of its resources are synced together
  const window = new ApplyWindow<ResourceReport>(width, record, durable);
  try {
    for (const resource of resources) {
      const source = formatLocation(resource.source);
      const after = loaded.graph.after.get(resource.id) ?? [];
      await window.room(after.map((e) => e.to), !resourceType(resource.type)!.concurrent || loaded.host.os === 'windows');
      // Providers do much of their work synchronously: let a pending SIGTERM reach its handler between resources.
      if (options.signal && !options.signal.aborted) await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) {
        window.now({ id: resource.id, status: 'skipped', error: 'interrupted: converge was asked to stop', source });
        continue;
      }
      const blocker = after.find((e) => broken.has(e.to));
      if (blocker) {
        broken.add(resource.id);
        const verb = blocker.kind === 'notify' ? 'is notified by' : blocker.kind === 'requires' ? 'requires' : 'follows';
        window.now({ id: resource.id, status: 'skipped', error: `${verb} ${blocker.to}, which did not converge`, source });
        continue;
      }
      const notifiers = (loaded.graph.notifiedBy.get(resource.id) ?? []).filter((id) => changed.has(id));
      window.start(resource.id, async () => {
        recheckDirCache();
        const result = await convergeOne(resource, specHashOf(resource, loaded), notifiers, ctx, inventory, options.mode);
        // A command, a package, a service may move or remove folders: walk again after one.
        if (!resourceType(resource.type)!.concurrent) dropDirCache();
        if (result.status === 'changed') changed.add(resource.id);
        if (result.status === 'failed') broken.add(resource.id);
        return { ...result, source };
      });
    }
    await window.drain();
  } finally {
    durable.end(); // a throw above must not leave temp files waiting for a flush
  }

  if (!scope) await prune(loaded, ctx, inventory, options.mode, record);
  await durable.finish();
  ctx.backups.close();
  await disposeRunCache(ctx.cache, log);
  if (applying) {
    await inventory.save();
    endRun(base.stateDir, loaded.host.name);
    // A heal leaves the old backups to the next whole run: it touches a file or two and must be quick.
    if (!scope) await pruneBackups(path.join(base.stateDir, 'backups'), options.keepBackups ?? 20);
  } else {
    await inventory.close();
  }

  const endedAt = new Date();
  const all = scope ? mergeResults(scope, results) : results;
  const summary = summarize(all);
  const report: Report = {
    version: 1,
    host: loaded.host.name,
    agentVersion: AGENT_VERSION,
    mode: options.mode,
    commit: options.commit ?? null,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    result: resultOf(summary),
    summary,
    resources: all,
    errors: [],
  };
  return { report, runId, backupDir: applying && ctx.backups.entries().length > 0 ? backupDir : null };
}

/** End what providers kept for the run (the Windows PowerShell host): entries with Symbol.asyncDispose. */
async function disposeRunCache(cache: Map<string, unknown>, log: BaseContext['log']): Promise<void> {
  for (const [key, value] of cache) {
    const dispose = (value as { [Symbol.asyncDispose]?: () => Promise<void> } | null)?.[Symbol.asyncDispose];
    if (typeof dispose !== 'function') continue;
    try {
      await dispose.call(value);
    } catch (error) {
      log.warn({ key, err: messageOf(error) }, 'closing a run resource failed');
    }
  }
}

async function prefetch(resources: readonly Resource[], os: LoadedHost['host']['os'], ctx: Context, log: BaseContext['log']): Promise<void> {
  const byType = new Map<string, Spec[]>();
  for (const r of resources) {
    if (!byType.has(r.type)) byType.set(r.type, []);
    byType.get(r.type)!.push(r.spec);
  }
  for (const [name, specs] of byType) {
    const provider = resourceType(name)!.provider(os);
    if (!provider.prefetch) continue;
    try {
      await provider.prefetch(specs, ctx);
    } catch (error) {
      // Each resource's own observe will fail with the reason; the batch is an optimisation.
      log.warn({ type: name, err: messageOf(error) }, 'prefetch failed');
    }
  }
}

// The agent converges the same loaded host again and again: each spec is hashed once.
const specHashes = new WeakMap<Spec, string>();

/** hashOf the resource's spec: from the load cache, from an earlier run of this process, or computed now. */
function specHashOf(resource: Resource, loaded: LoadedHost): string {
  let hash = loaded.specHashes?.get(resource.id) ?? specHashes.get(resource.spec);
  if (hash === undefined) {
    hash = hashOf(resource.spec);
    specHashes.set(resource.spec, hash);
  }
  return hash;
}

/**
 * The seal to pass to observe: the one kept when this very spec was last found
 * in sync. Only for providers whose desired state is the spec itself (no
 * `desire`: no secret or run-time value the spec's hash does not cover).
 */
function sealFor(provider: Provider<Spec, unknown>, previous: InventoryEntry | undefined, specHash: string): string | undefined {
  return !provider.desire && previous?.specHash === specHash ? previous.seal : undefined;
}

async function convergeOne(resource: Resource, specHash: string, notifiers: string[], ctx: Context, inventory: Inventory, mode: RunMode): Promise<Omit<ResourceReport, 'source'>> {
  const type = resourceType(resource.type)!;
  const provider = type.provider(ctx.host.os) as Provider<Spec, unknown>;
  const id = resource.id;
  try {
    const desired = provider.desire ? await provider.desire(resource.spec, ctx) : resource.spec;
    const absent = desired.ensure === 'absent';
    const previous = inventory.get(id);
    const observed = await provider.observe(desired, ctx, sealFor(provider, previous, specHash));
    const changes = absent ? (observed === null ? [] : [removal()]) : provider.diff(desired, observed);
    const actionable = changes.filter((c) => !c.skipped);
    // Out of sync with an unchanged manifest is drift, unless only the source moved (a rotated secret).
    const drift = actionable.some((c) => !c.upstream) && previous?.specHash === specHash;
    const remember = (created: boolean, hash = specHash, seal: string | null = null) =>
      inventory.set(
        id,
        absent ? null : { type: resource.type, spec: type.inventorySpec?.(resource.spec) ?? resource.spec, created, specHash: hash, since: previous?.since ?? ctx.run.startedAt, ...(seal ? { seal } : {}) },
        { urgent: hash === 'pending' },
      );

    if (actionable.length === 0) {
      const skippedOnly = changes.length > 0;
      if (mode !== 'apply') {
        if (notifiers.length && provider.refresh && !absent) return { id, status: 'pending', changes: [...changes, refreshChange(notifiers, false)] };
        return skippedOnly ? skippedReport(id, changes) : { id, status: 'unchanged' };
      }
      await provider.touch?.(desired, observed, ctx);
      await remember(previous?.created ?? false, specHash, changes.length === 0 && !absent ? (provider.seal?.(observed, Date.now()) ?? null) : null);
      if (notifiers.length && provider.refresh && !absent) {
        const why = await provider.refresh(desired, ctx);
        if (typeof why === 'string') return { id, status: 'skipped', changes: [...changes, refreshChange(notifiers, false, why)], error: why };
        return { id, status: 'changed', changes: [...changes, refreshChange(notifiers, true)] };
      }
      return skippedOnly ? skippedReport(id, changes) : { id, status: 'unchanged' };
    }

    if (mode !== 'apply') {
      const all = notifiers.length && provider.refresh && !absent ? [...changes, refreshChange(notifiers, false)] : changes;
      return { id, status: 'pending', changes: all, ...(drift ? { drift } : {}) };
    }

    let applied: void | Applied = undefined;
    if (absent) {
      if (!provider.remove) throw new Error(`${resource.type} resources cannot be removed`);
      await provider.remove(desired, ctx);
    } else {
      // Journal "created" before creating, so a kill between the two never turns what converge created into something it adopted.
      const provisional = isAbsent(provider, observed) && !previous;
      if (provisional) await remember(true, 'pending');
      try {
        applied = await provider.apply(desired, actionable, ctx, observed);
      } catch (error) {
        if (provisional && isAbsent(provider, await provider.observe(desired, ctx).catch(() => null))) await inventory.set(id, null);
        throw error;
      }
    }
    const after = await provider.observe(desired, ctx, applied?.seal);
    const remaining = (absent ? (after === null ? [] : [removal()]) : provider.diff(desired, after)).filter((c) => !c.skipped);
    if (remaining.length > 0) {
      return { id, status: 'failed', changes, error: `still differs after apply: ${remaining.map(describeChange).join('; ')}`, ...(drift ? { drift } : {}) };
    }
    await remember(previous?.created ?? isAbsent(provider, observed));
    const done = [...changes];
    if (notifiers.length && provider.refresh && !absent) {
      const why = await provider.refresh(desired, ctx);
      done.push(typeof why === 'string' ? refreshChange(notifiers, false, why) : refreshChange(notifiers, true));
    }
    return { id, status: 'changed', changes: done, ...(drift ? { drift } : {}) };
  } catch (error) {
    return { id, status: 'failed', error: inHostTerms(describeError(error, (p) => hostPathOf(p, ctx)), ctx) };
  }
}

async function prune(loaded: LoadedHost, ctx: Context, inventory: Inventory, mode: RunMode, record: (r: ResourceReport) => void): Promise<void> {
  const declared = new Set(loaded.resources.map((r) => r.id));
  const gone = [...inventory.entries].filter(([id]) => !declared.has(id));
  // Deepest paths first: files before the directories that hold them.
  gone.sort(([a], [b]) => b.length - a.length);
  for (const [id, entry] of gone) {
    const result = await pruneOne(id, entry, loaded, ctx, inventory, mode);
    record(result);
  }
}

async function pruneOne(id: string, entry: InventoryEntry, loaded: LoadedHost, ctx: Context, inventory: Inventory, mode: RunMode): Promise<ResourceReport> {
  const apply = mode === 'apply';
  const type = resourceType(entry.type);
  if (!loaded.prune || !entry.created || !type) {
    if (apply) await inventory.set(id, null);
    const why = !type
      ? `no longer declared, and converge no longer knows type ${entry.type}; left in place`
      : !entry.created
        ? 'no longer declared; left in place because it existed before converge managed it'
        : 'no longer declared; left in place (prune is off for this host)';
    return { id, status: 'unmanaged', error: why };
  }
  const provider = type.provider(loaded.host.os) as Provider<Spec, unknown>;
  if (!apply) return { id, status: 'pending', changes: [{ ...removal(), to: 'absent (pruned: no longer declared)' }] };
  try {
    if (!provider.remove) throw new Error(`${entry.type} resources cannot be removed`);
    await provider.remove(entry.spec, ctx);
    await inventory.set(id, null);
    return { id, status: 'pruned', changes: [{ ...removal(), to: 'absent (no longer declared)' }] };
  } catch (error) {
    // A delete that failed stays in the inventory and is retried next run.
    return { id, status: 'failed', error: inHostTerms(`prune failed: ${describeError(error, (p) => hostPathOf(p, ctx))}`, ctx) };
  }
}

/** Nothing there yet: null, or what the provider says means "does not exist" (a unit without its file). */
function isAbsent(provider: Provider<Spec, unknown>, observed: unknown): boolean {
  return observed === null || (provider.absent?.(observed) ?? false);
}

function removal(): Change {
  return { property: 'ensure', from: 'present', to: 'absent' };
}

/** A resource whose only differences cannot or must not be changed here; a hand change left alone on purpose is still drift. */
function skippedReport(id: string, changes: Change[]): Omit<ResourceReport, 'source'> {
  const kept = changes.find((c) => c.drift);
  return { id, status: 'skipped', changes, error: (kept ?? changes[0]!).skipped, ...(kept ? { drift: true } : {}) };
}

function refreshChange(notifiers: string[], done: boolean, skipped?: string): Change {
  const change: Change = { property: 'refresh', from: null, to: `${done ? 'refreshed' : 'would refresh'} (notified by ${notifiers.join(', ')})` };
  if (skipped) change.skipped = skipped;
  return change;
}

/** A local path shown as the host sees it (the sandbox root removed; temp names kept). */
function hostPathOf(local: string, ctx: Context): string {
  if (!ctx.sandboxed) return local;
  return local.startsWith(ctx.root + path.sep) ? local.slice(ctx.root.length) : local;
}

/** A message with sandbox-local paths shown as host paths. */
function inHostTerms(message: string, ctx: Context): string {
  return ctx.sandboxed ? message.split(ctx.root + path.sep).join('/') : message;
}
