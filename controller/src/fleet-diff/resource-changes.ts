// What differs between two desired states of one resource, as changes for
// people: attribute lines, text diffs of content, env file variable names.
import type { Change } from '../resources/types.js';
import { contentChange, unifiedDiff } from '../resources/shared/content-diff.js';
import { stableJson } from '../engine/stable-json.js';
import type { DesiredView } from './desired-view.js';

/** The changes from `before` to `after` (null: the resource is not declared there). */
export function resourceChanges(label: string, before: DesiredView | null, after: DesiredView | null): Change[] {
  if (!after) return [];
  const changes: Change[] = [];
  const keys = [...Object.keys(after.fields), ...Object.keys(before?.fields ?? {}).filter((k) => !(k in after.fields))];
  for (const key of keys) {
    const from = before?.fields[key];
    const to = after.fields[key];
    if (before && stableJson(from) === stableJson(to)) continue;
    if (!before && to === undefined) continue;
    if (key === 'variables' && before && Array.isArray(from) && Array.isArray(to)) {
      changes.push(variablesChange(from as string[], to as string[]));
      continue;
    }
    changes.push(fieldChange(label, key, before ? from : undefined, to));
  }
  if (after.content) {
    const change = contentChange(label, before ? (before.content ?? null) : null, after.content, { sensitive: after.sensitive || before?.sensitive });
    if (change) changes.push(change);
  } else if (before?.content) {
    changes.push({ property: 'content', from: 'managed', to: 'no longer managed (left as it is)' });
  }
  if (before?.secretSources && after.secretSources) {
    for (const [name, source] of Object.entries(after.secretSources)) {
      const was = before.secretSources[name];
      if (was !== undefined && was !== source) changes.push({ property: name, from: null, to: 'read from another vault secret' });
    }
  }
  return changes;
}

/** Env file variables as what was added and removed: names only. */
function variablesChange(from: string[], to: string[]): Change {
  const added = to.filter((v) => !from.includes(v));
  const removed = from.filter((v) => !to.includes(v));
  const parts = [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean);
  return { property: 'variables', from: null, to: parts.join('; ') };
}

function fieldChange(label: string, key: string, from: unknown, to: unknown): Change {
  const a = human(from);
  const b = human(to);
  if ((a?.includes('\n') || b?.includes('\n')) && a !== null && b !== null) {
    return { property: key, from: 'text', to: 'text', diff: unifiedDiff(`${label} ${key}`, a, b) };
  }
  return { property: key, from: a, to: b ?? 'unset' };
}

function human(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.length ? value.join(', ') : '(none)';
  if (typeof value === 'object') return stableJson(value);
  return String(value);
}
