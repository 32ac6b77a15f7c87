// Outside its maintenance window the agent still gets a waiting commit ready:
// it pulls the container images the commit names, so the apply inside the
// window does not wait on a registry. Only on the real system (not under
// --root) and on Linux, where containers run through podman.
import type { LoadedHost } from '../manifest/load-host.js';
import type { BaseContext } from '../engine/context.js';

/** `podman pull` every image of the commit's containers; returns what could not be pulled (the apply will try again). */
export async function prePullImages(loaded: LoadedHost, base: BaseContext): Promise<string[]> {
  if (base.sandboxed || loaded.host.os !== 'linux') return [];
  const images = [...new Set(loaded.resources.filter((r) => r.type === 'container').map((r) => String((r.spec as { image?: unknown }).image ?? '')).filter(Boolean))];
  const problems: string[] = [];
  for (const image of images) {
    const r = await base.runner.run('podman', ['pull', '--quiet', '--', image], { timeoutMs: 30 * 60_000 });
    if (r.exitCode !== 0) problems.push(`pre-pull of ${image} failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.exitCode}`}`);
  }
  return problems;
}
