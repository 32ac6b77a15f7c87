// What both link providers share: the link text a spec wants, and reading what is there.
import type { Context } from '../types.js';
import type { SymlinkSpec } from './schema.js';
import { readLinkAt, statPath } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';

/** The link text to write: `~` expanded with the host's rules, otherwise as written. */
export function linkText(spec: SymlinkSpec, ctx: Pick<Context, 'paths'>): string {
  const t = spec.target;
  return t === '~' || t.startsWith('~/') || t.startsWith('~\\') ? ctx.paths.normalize(t) : t;
}

/** The path's state and, for a link, its target; null when nothing is there. */
export async function observeLink(local: string, ctx: Pick<Context, 'users' | 'root'>): Promise<{ state: PathState; target?: string } | null> {
  const state = await statPath(local, ctx);
  if (!state) return null;
  return { state, target: state.kind === 'symlink' ? readLinkAt(local, ctx) : undefined };
}
