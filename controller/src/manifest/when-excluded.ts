// Resources a `when:` leaves out of this host, kept by id while the host loads,
// so a requires/notify that names one says why it is absent rather than being
// taken as satisfied (or as a bare "does not declare").
import type { SourceLocation } from './diagnostics.js';
import { formatLocation } from './diagnostics.js';

/** id → where each declaration that `when:` excluded is, and which conditions failed. */
export type ExcludedIds = Map<string, { at: SourceLocation; why: string }[]>;

/** Remember that the resource `id` declared at `at` is absent here because `why` does not hold. */
export function noteExcluded(excluded: ExcludedIds, id: string, at: SourceLocation, why: string): void {
  const list = excluded.get(id) ?? [];
  list.push({ at, why });
  excluded.set(id, list);
}

/** "declared in FILE:LINE:COL only when os is linux (mac is macos)", one per declaration; undefined for an id never declared. */
export function excludedNote(excluded: ExcludedIds, id: string): string | undefined {
  const list = excluded.get(id);
  if (!list?.length) return undefined;
  return list.map((d) => `declared in ${formatLocation(d.at)} only when ${d.why}`).join('; ');
}
