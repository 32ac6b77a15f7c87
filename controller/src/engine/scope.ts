// A run over part of a host: the resources a change by hand touched and the
// ones they notify, converged as a whole run would converge them, with the
// rest of the host reported as the last run left it. The drift heal runs this
// way, so healing one file costs one resource, not the whole host.
import type { Graph } from './graph.js';
import type { Report, ResourceReport } from '../report/report.js';

/** Converge only `ids`; `previous` (the last run of the same commit) speaks for the others. */
export interface RunScope {
  ids: ReadonlySet<string>;
  previous: Report;
}

/** `ids` and everything their change would refresh (notify and auto-subscriptions, transitively), in no particular order. */
export function affectedBy(graph: Graph, ids: Iterable<string>): Set<string> {
  const notifies = new Map<string, string[]>();
  for (const [target, notifiers] of graph.notifiedBy) {
    for (const n of notifiers) {
      if (!notifies.has(n)) notifies.set(n, []);
      notifies.get(n)!.push(target);
    }
  }
  const out = new Set<string>();
  const todo = [...ids].filter((id) => graph.after.has(id));
  while (todo.length) {
    const id = todo.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    todo.push(...(notifies.get(id) ?? []));
  }
  return out;
}

/**
 * What the last run said about the resources outside the scope, as of now: a
 * change it made is in place (unchanged); failures, skips, pending changes and
 * unmanaged leftovers still stand; prunes are done.
 */
export function carriedOver(scope: RunScope): ResourceReport[] {
  const out: ResourceReport[] = [];
  for (const r of scope.previous.resources) {
    if (scope.ids.has(r.id) || r.status === 'pruned') continue;
    out.push(r.status === 'changed' ? { id: r.id, status: 'unchanged', ...(r.source ? { source: r.source } : {}) } : r);
  }
  return out;
}

/** The whole host's resources in the last run's order, this run's results in place of the old ones (new ones last). */
export function mergeResults(scope: RunScope, results: readonly ResourceReport[]): ResourceReport[] {
  const fresh = new Map(results.map((r) => [r.id, r]));
  const carried = new Map(carriedOver(scope).map((r) => [r.id, r]));
  const out: ResourceReport[] = [];
  for (const r of scope.previous.resources) {
    const now = fresh.get(r.id) ?? carried.get(r.id);
    if (!now) continue;
    out.push(now);
    fresh.delete(r.id);
  }
  out.push(...fresh.values());
  return out;
}
