// What podman says about the run's containers: one `podman container
// inspect` for all of them, started in prefetch (a container that does not
// exist is simply not in the answer), parsed leniently.
import type { Context } from '../types.js';
import { PODMAN, SPEC_LABEL } from './unit-text.js';

/** One container as podman sees it. */
export interface PodmanContainer {
  name: string;
  status: string;
  running: boolean;
  /** The converge.spec label: the hash of the spec it was created from. */
  spec: string | null;
}

const KEY = 'container:podman';
const FORMAT = `{{.Name}}\t{{.State.Status}}\t{{.State.Running}}\t{{index .Config.Labels "${SPEC_LABEL}"}}`;

interface PodmanCache {
  wanted: Set<string>;
  known: Map<string, PodmanContainer | null>;
  /** The run's one inspect, started in prefetch so it overlaps systemctl show. */
  pending: Promise<void> | null;
  failed: unknown;
}

function cache(ctx: Context): PodmanCache {
  let c = ctx.cache.get(KEY) as PodmanCache | undefined;
  if (!c) {
    c = { wanted: new Set(), known: new Map(), pending: null, failed: undefined };
    ctx.cache.set(KEY, c);
  }
  return c;
}

/** Start inspecting the run's containers (one call), without waiting for it. */
export function wantContainers(ctx: Context, names: readonly string[]): void {
  const c = cache(ctx);
  for (const n of names) c.wanted.add(n);
  if (!c.pending && names.length > 0) {
    // a failure is kept and reported by the first resource that needs the answer
    c.pending = fetch(ctx, [...c.wanted]).catch((error: unknown) => {
      c.failed = error;
    });
  }
}

/** The container named `name`, or null when podman has none. */
export async function inspectContainer(ctx: Context, name: string): Promise<PodmanContainer | null> {
  const c = cache(ctx);
  if (c.pending) {
    await c.pending;
    c.pending = null;
    if (c.failed) {
      const error = c.failed;
      c.failed = undefined;
      throw error;
    }
  }
  if (c.known.has(name)) return c.known.get(name)!;
  await fetch(ctx, [name]);
  return c.known.get(name) ?? null;
}

async function fetch(ctx: Context, names: string[]): Promise<void> {
  const c = cache(ctx);
  ctx.log.child({ component: 'podman' }).debug({ containers: names.length }, 'podman container inspect');
  const r = await ctx.runner.run(PODMAN, ['container', 'inspect', '--format', FORMAT, ...names], { timeoutMs: 60_000 });
  // exit 125 with some found: podman prints those and complains about the rest
  if (r.exitCode !== 0 && !/no such (container|object)/i.test(r.stderr)) {
    throw new Error(`podman container inspect failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}`);
  }
  for (const n of names) c.known.set(n, null);
  for (const line of r.stdout.split('\n')) {
    const parsed = parseInspectLine(line);
    if (parsed) c.known.set(parsed.name, parsed);
  }
}

/** Forget a container after changing it. */
export function forgetContainer(ctx: Context, name: string): void {
  cache(ctx).known.delete(name);
}

/** One line of the inspect format. */
export function parseInspectLine(line: string): PodmanContainer | null {
  const [name, status, running, spec] = line.split('\t');
  if (!name || status === undefined) return null;
  return { name: name.replace(/^\//, ''), status, running: running === 'true', spec: spec && spec !== '<no value>' ? spec : null };
}

/** True when the image is in local storage. */
export async function imageExists(ctx: Context, image: string): Promise<boolean> {
  const r = await ctx.runner.run(PODMAN, ['image', 'exists', image], { timeoutMs: 60_000 });
  return r.exitCode === 0;
}

/** Remove a container (after its service stopped). */
export async function removeContainer(ctx: Context, name: string): Promise<void> {
  await ctx.runner.run(PODMAN, ['rm', '-f', '--ignore', name], { timeoutMs: 120_000 });
  forgetContainer(ctx, name);
}
