// The order of a host's resources: explicit `requires` and `notify`, plus the
// obvious implicit edges (a path after the directory or mount that holds it,
// a type's own auto-requires and auto-subscriptions, the statusFile after
// everything). Cycles are
// found with the implicit edges counted, and named.
import type { Resource, ResourceType, HostInfo } from '../resources/types.js';
import type { HostPaths } from '../platform/paths.js';

export type EdgeKind = 'requires' | 'notify' | 'holds' | 'auto';

/** `from` is converged after `to`. */
export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
}

export interface Graph {
  /** Resources in the order they are converged. */
  order: Resource[];
  /** id → the ids it is converged after, with why. */
  after: Map<string, Edge[]>;
  /** id → ids whose change refreshes it. */
  notifiedBy: Map<string, string[]>;
  /** Each cycle as the ids around it, first repeated last, with its edges. */
  cycles: { ids: string[]; edges: Edge[] }[];
}

/**
 * Build the graph of a host's resources (declaration order is the tie-break).
 * `ordered`: the resources are a graph's order already, of a host that loaded
 * without a cycle (the load cache keeps them so): the edges are built, the order
 * and the cycle search are not done again.
 */
export function buildGraph(
  resources: readonly Resource[],
  typeOf: (name: string) => ResourceType | undefined,
  host: HostInfo,
  paths: HostPaths,
  options: { ordered?: boolean } = {},
): Graph {
  const byId = new Map(resources.map((r) => [r.id, r]));
  const after = new Map<string, Edge[]>(resources.map((r) => [r.id, []]));
  const notifiedBy = new Map<string, string[]>();
  const add = (from: string, to: string, kind: EdgeKind) => {
    if (from === to || !byId.has(to) || !byId.has(from)) return; // an undeclared target is a diagnostic of its own
    const list = after.get(from)!;
    if (!list.some((e) => e.to === to)) list.push({ from, to, kind });
  };

  const holders = new Map<string, string>();
  for (const r of resources) {
    if (typeOf(r.type)?.holdsPaths) holders.set(paths.key(r.title), r.id);
  }

  for (const r of resources) {
    const type = typeOf(r.type);
    for (const id of r.requires) add(r.id, id, 'requires');
    for (const id of r.notify) {
      add(id, r.id, 'notify');
      if (!notifiedBy.has(id)) notifiedBy.set(id, []);
      if (!notifiedBy.get(id)!.includes(r.id)) notifiedBy.get(id)!.push(r.id);
    }
    if (type?.titleIsPath) {
      let dir = paths.dirname(r.title);
      for (let guard = 0; guard < 256; guard++) {
        const holder = holders.get(paths.key(dir));
        if (holder && holder !== r.id) {
          add(r.id, holder, 'holds');
          break;
        }
        const parent = paths.dirname(dir);
        if (parent === dir) break;
        dir = parent;
      }
    }
    for (const id of type?.autoRequires?.(r.spec, host) ?? []) add(r.id, id, 'auto');
    for (const id of type?.autoSubscribe?.(r.spec, host) ?? []) {
      if (id === r.id || !byId.has(id)) continue;
      add(r.id, id, 'notify');
      if (!notifiedBy.has(r.id)) notifiedBy.set(r.id, []);
      if (!notifiedBy.get(r.id)!.includes(id)) notifiedBy.get(r.id)!.push(id);
    }
  }

  if (options.ordered) return { order: [...resources], after, notifiedBy, cycles: [] };
  const last = new Set(resources.filter((r) => typeOf(r.type)?.runsLast).map((r) => r.id));
  const cycles = findCycles(resources, after);
  const order = topoOrder(resources, after, last);
  return { order, after, notifiedBy, cycles };
}

function topoOrder(resources: readonly Resource[], after: Map<string, Edge[]>, last: Set<string>): Resource[] {
  const byId = new Map(resources.map((r) => [r.id, r]));
  const done = new Set<string>();
  const onPath = new Set<string>();
  const out: Resource[] = [];
  const visit = (root: string) => {
    // iterative DFS post-order; cycles were reported separately, so a back edge is skipped
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    onPath.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const edges = after.get(top.id) ?? [];
      if (top.next < edges.length) {
        const to = edges[top.next++]!.to;
        if (!done.has(to) && !onPath.has(to)) {
          onPath.add(to);
          stack.push({ id: to, next: 0 });
        }
        continue;
      }
      stack.pop();
      onPath.delete(top.id);
      done.add(top.id);
      out.push(byId.get(top.id)!);
    }
  };
  for (const r of resources) if (!last.has(r.id) && !done.has(r.id)) visit(r.id);
  for (const r of resources) if (!done.has(r.id)) visit(r.id);
  return out;
}

function findCycles(resources: readonly Resource[], after: Map<string, Edge[]>): Graph['cycles'] {
  const state = new Map<string, 1 | 2>(); // 1 on stack, 2 done
  const cycles: Graph['cycles'] = [];
  const seen = new Set<string>();
  for (const r of resources) {
    if (state.has(r.id)) continue;
    const stack: { id: string; next: number; via?: Edge }[] = [{ id: r.id, next: 0 }];
    state.set(r.id, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const edges = after.get(top.id) ?? [];
      if (top.next < edges.length) {
        const edge = edges[top.next++]!;
        const s = state.get(edge.to);
        if (s === undefined) {
          state.set(edge.to, 1);
          stack.push({ id: edge.to, next: 0, via: edge });
        } else if (s === 1) {
          const start = stack.findIndex((f) => f.id === edge.to);
          const frames = stack.slice(start);
          const ids = [...frames.map((f) => f.id), edge.to];
          const edgesOf = [...frames.slice(1).map((f) => f.via!), edge];
          const key = [...new Set(ids)].sort().join('\u0000');
          if (!seen.has(key)) {
            seen.add(key);
            cycles.push({ ids, edges: edgesOf });
          }
        }
        continue;
      }
      state.set(top.id, 2);
      stack.pop();
    }
  }
  return cycles;
}

/** "a → b → a (b follows a implicitly: it lies under it)". */
export function describeCycle(cycle: Graph['cycles'][number]): string {
  const notes = cycle.edges
    .filter((e) => e.kind === 'holds' || e.kind === 'auto')
    .map((e) => (e.kind === 'holds' ? `${e.from} lies under ${e.to}` : `${e.from} follows ${e.to} implicitly`));
  return `dependency cycle: ${cycle.ids.join(' → ')}${notes.length ? ` (implicit: ${notes.join('; ')})` : ''}`;
}
