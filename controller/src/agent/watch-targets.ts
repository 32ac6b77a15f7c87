// Which paths on this machine a host's resources manage (their type's
// watchPaths, placed under the root), and which of them a run wrote.
import type { LoadedHost } from '../manifest/load-host.js';
import type { BaseContext } from '../engine/context.js';
import type { Report } from '../report/report.js';
import { resourceType } from '../resources/registry.js';

/** local path → resource id, for every path a resource of `loaded` manages. */
export function watchTargets(loaded: LoadedHost, base: BaseContext): Map<string, string> {
  const targets = new Map<string, string>();
  for (const r of loaded.resources) {
    const type = resourceType(r.type);
    for (const hostPath of type?.watchPaths?.(r.spec) ?? []) {
      try {
        targets.set(base.local(loaded.paths.normalize(hostPath)), r.id);
      } catch {
        // a path this machine cannot hold (a Windows path outside a sandbox): nothing to watch
      }
    }
  }
  return targets;
}

/** The local paths a run may have written: resources it changed or pruned, and those whose type rewrites them on every run (touch); within `only` when the run was scoped. */
export function writtenBy(report: Report, loaded: LoadedHost, targets: Map<string, string>, only?: ReadonlySet<string>): Set<string> {
  const ids = new Set(report.resources.filter((r) => (r.status === 'changed' || r.status === 'pruned') && (!only || only.has(r.id))).map((r) => r.id));
  for (const r of loaded.resources) {
    if (only && !only.has(r.id)) continue;
    if (resourceType(r.type)?.provider(loaded.host.os).touch) ids.add(r.id);
  }
  return new Set([...targets].filter(([, id]) => ids.has(id)).map(([p]) => p));
}
