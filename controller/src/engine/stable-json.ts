// JSON with sorted keys, so equal specs hash equally whatever the YAML order.
// Written out by hand for plain data (a no-op run hashes every resource's spec);
// anything else (toJSON, class instances) goes through JSON.stringify with a
// sorting replacer, which gives the same text.
import { sha256Hex } from '../platform/hash.js';

/** Deterministic JSON text of a value (object keys sorted). */
export function stableJson(value: unknown): string {
  const parts: string[] = [];
  return value !== undefined && plain(value, parts) ? parts.join('') : viaReplacer(value);
}

/** A short sha256 of a value's stable JSON. */
export function hashOf(value: unknown): string {
  return sha256Hex(stableJson(value)).slice(0, 16);
}

function viaReplacer(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** Append the JSON of `v` to `out`; false when `v` holds something only JSON.stringify knows how to write. */
function plain(v: unknown, out: string[]): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      out.push(JSON.stringify(v));
      return true;
    case 'number':
      out.push(Number.isFinite(v) ? JSON.stringify(v) : 'null');
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) {
    out.push('null');
    return true;
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      const item: unknown = v[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out.push('null');
      else if (!plain(item, out)) return false;
    }
    out.push(']');
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const record = v as Record<string, unknown>;
  out.push('{');
  let first = true;
  for (const key of sortedKeys(record)) {
    const item = record[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    if (!plain(item, out)) return false;
  }
  out.push('}');
  return true;
}

/** Keys in the order the sorting replacer's object yields them: array-index keys first by value (as every JS object lists them), then the rest sorted. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = keys.filter(isArrayIndex);
  if (index.length === 0) return keys;
  index.sort((a, b) => Number(a) - Number(b));
  return [...index, ...keys.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}
