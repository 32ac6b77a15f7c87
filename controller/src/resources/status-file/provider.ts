// The health signal is rewritten after every converge with a fresh time; a new
// time alone is not a change. Its content: host, time, commit, agent, the
// result so far (ok or degraded) and resource counts that do not move on a
// quiet run (total, failed, skipped), plus the manifest's own fields.
import type { Change, Context, Provider } from '../types.js';
import type { StatusFileSpec } from './schema.js';
import { attributeChanges, ensureParent, readPath, resolveIds, setAttributes, statPath, unlinkPath } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { unifiedDiff } from '../shared/content-diff.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import { durableWrites } from '../shared/durable.js';
import { AGENT_VERSION } from '../../platform/version.js';
import { errnoOf } from '../../platform/errors.js';
import { UnsafePathError } from '../../platform/safe-path.js';
import { isMountPoint } from '../../ingest/guards.js';

type StatusDocument = Record<string, unknown>;
/** The spec with the run-time document; `posix` is false on Windows hosts, which have no mode or owner. */
type StatusDesired = StatusFileSpec & { document?: StatusDocument; posix?: boolean };

export interface StatusObserved {
  state: PathState;
  document: StatusDocument | null;
  privileged: boolean;
}

async function documentFor(spec: StatusFileSpec, ctx: Context): Promise<StatusDocument> {
  const summary = ctx.run.summary();
  const extra: StatusDocument = {};
  for (const [key, hostPath] of Object.entries(spec.include ?? {})) setPath(extra, key.split('.'), await readIncluded(ctx, hostPath));
  if (spec.mounts?.length) {
    const mounts: Record<string, string> = {};
    for (const m of spec.mounts) {
      const p = ctx.paths.normalize(m);
      mounts[p] = (await isMountPoint(ctx.local(p))) ? 'mounted' : 'not mounted';
    }
    extra.mounts = mounts;
  }
  const attention = collectAttention(extra);
  return {
    host: ctx.host.name,
    time: new Date().toISOString(),
    commit: ctx.run.commit,
    agent: `converge ${AGENT_VERSION}`,
    result: summary.failed > 0 ? 'degraded' : 'ok',
    resources: { total: summary.total, failed: summary.failed, skipped: summary.skipped },
    ...(spec.fields ?? {}),
    ...extra,
    ...(attention.length ? { attention } : {}),
  };
}

/**
 * An included JSON file, or what is wrong with it. It is read as the safe layer
 * reads for reports: no link a local user planted is followed, and in a user's
 * directory only a file that user could have written is read, so a link or a hard
 * link to a root-only file never lands in the world-readable status or a report.
 */
async function readIncluded(ctx: Context, hostPath: string): Promise<unknown> {
  const p = ctx.paths.normalize(hostPath);
  try {
    return JSON.parse(readPath(ctx.local(p), ctx).toString('utf8')) as unknown;
  } catch (error) {
    if (error instanceof UnsafePathError) return { state: 'refused', file: p, reason: error.why };
    return { state: errnoOf(error) === 'ENOENT' ? 'missing' : 'unreadable', file: p };
  }
}

function setPath(doc: StatusDocument, keys: string[], value: unknown): void {
  let node = doc;
  for (const k of keys.slice(0, -1)) node = (node[k] && typeof node[k] === 'object' ? node[k] : (node[k] = {})) as StatusDocument;
  node[keys.at(-1)!] = value;
}

/** Every `attention` line of the included reports, and each mount that is not mounted. */
function collectAttention(extra: StatusDocument): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    const a = (v as StatusDocument).attention;
    if (Array.isArray(a)) out.push(...a.map(String));
    for (const [k, child] of Object.entries(v as StatusDocument)) if (k !== 'attention') visit(child);
  };
  visit(extra);
  for (const [p, state] of Object.entries((extra.mounts ?? {}) as Record<string, string>)) if (state !== 'mounted') out.push(`${p} is not mounted`);
  return [...new Set(out)];
}

const render = (doc: StatusDocument): string => JSON.stringify(doc, null, 2) + '\n';
// What moves on every run without meaning a change: the time, and the counters of included ingestion reports.
const VOLATILE = new Set(['time', 'copied', 'unchanged']);
const stripVolatile = (v: unknown, top = true): unknown => {
  if (Array.isArray(v)) return v.map((x) => stripVolatile(x, false));
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as StatusDocument).filter(([k]) => (top ? k !== 'time' : !VOLATILE.has(k))).map(([k, x]) => [k, stripVolatile(x, false)]));
};
const withoutTime = (doc: StatusDocument): string => JSON.stringify(stripVolatile(doc));

export const statusFileProvider: Provider<StatusDesired, StatusObserved> = {
  async desire(spec, ctx) {
    return { ...spec, document: await documentFor(spec, ctx), posix: ctx.host.os !== 'windows' };
  },

  async observe(spec, ctx) {
    const local = ctx.local(spec.statusFile);
    const state = await statPath(local, ctx);
    if (!state) return null;
    let document: StatusDocument | null = null;
    if (state.kind === 'file') {
      try {
        document = JSON.parse(readPath(local, ctx).toString('utf8')) as StatusDocument;
      } catch {
        document = null;
      }
    }
    return { state, document, privileged: ctx.privileged };
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    const want = spec.document ?? {};
    if (!observed) changes.push({ property: 'ensure', from: null, to: 'file' });
    else if (observed.state.kind !== 'file') changes.push({ property: 'type', from: observed.state.kind, to: 'file' });
    const have = observed?.document ?? null;
    if (!have || withoutTime(have) !== withoutTime(want)) {
      const before = have ? render({ ...have, time: want.time }) : '';
      changes.push({ property: 'content', from: have ? 'previous status' : null, to: 'status', diff: unifiedDiff(spec.statusFile, before, render(want), !have) });
    }
    const isFile = observed?.state.kind === 'file';
    if (spec.posix === false) return changes;
    changes.push(...attributeChanges({ ...spec, mode: spec.mode ?? (isFile ? undefined : '0644') }, isFile ? observed!.state : null, { privileged: observed?.privileged ?? true }));
    return changes;
  },

  async apply(spec, _changes, ctx) {
    const local = ctx.local(spec.statusFile);
    await ensureParent(local, ctx);
    const current = await statPath(local, ctx);
    const mode = parseInt(spec.mode ?? (current?.kind === 'file' ? current.mode : '0644'), 8);
    await writeFileAtomic(local, render(spec.document ?? {}), { mode, ...resolveIds(spec, ctx), root: ctx.root, durable: durableWrites(ctx) });
  },

  async touch(spec, observed, ctx) {
    if (!observed || observed.state.kind !== 'file') return;
    const local = ctx.local(spec.statusFile);
    await writeFileAtomic(local, render(spec.document ?? {}), { mode: parseInt(observed.state.mode, 8), root: ctx.root, durable: durableWrites(ctx) });
    if (ctx.privileged) await setAttributes(local, { owner: observed.state.owner, group: observed.state.group }, ctx).catch(() => undefined);
  },

  async remove(spec, ctx) {
    const local = ctx.local(spec.statusFile);
    if (!(await statPath(local, ctx))) return;
    await ctx.backups.save(local);
    unlinkPath(local, ctx);
  },
};
