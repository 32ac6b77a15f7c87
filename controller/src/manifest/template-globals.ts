// Jinja2's global functions (range, dict, namespace, cycler, joiner), made by
// the engine so the sandbox lets templates call them, and range bounded as in
// Jinja2's own sandbox.
import { allowCall } from './template-sandbox.js';
import { chargeUnits } from './template-budget.js';
import { defineKey, splitArgs } from './template-python.js';

/** Jinja2's sandbox limit for range(). */
export const MAX_RANGE = 100_000;

function range(...args: unknown[]): number[] {
  const n = args.map(Number);
  const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  if (![start, stop, step].every(Number.isInteger)) throw new Error('range() takes whole numbers');
  if (step === 0) throw new Error('range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new Error(`range() of ${count.toLocaleString('en')} items: at most ${MAX_RANGE.toLocaleString('en')} in a template`);
  chargeUnits(count);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function cycler(...items: unknown[]): object {
  let index = 0;
  const c = {
    current: items[0] ?? null,
    next: allowCall(() => {
      const item = items[index];
      index = (index + 1) % Math.max(items.length, 1);
      c.current = items[index] ?? null;
      return item;
    }),
    reset: allowCall(() => {
      index = 0;
      c.current = items[0] ?? null;
      return null;
    }),
  };
  return c;
}

function joiner(sep: unknown = ', '): () => string {
  let first = true;
  return allowCall(() => {
    const out = first ? '' : String(sep);
    first = false;
    return out;
  });
}

function dict(...args: unknown[]): Record<string, unknown> {
  const { pos, kw } = splitArgs(args);
  const base = pos[0];
  const out: Record<string, unknown> = {};
  const entries = Array.isArray(base) ? (base as unknown[][]).map((p) => [String(p[0]), p[1]] as const) : base && typeof base === 'object' ? Object.entries(base) : [];
  for (const [k, v] of [...entries, ...Object.entries(kw)]) defineKey(out, k, v);
  return out;
}

/** Objects made by namespace(): the only ones `{% set ns.attr = … %}` may change. */
export const namespaces = new WeakSet<object>();

function namespace(...args: unknown[]): Record<string, unknown> {
  const ns = dict(...args);
  namespaces.add(ns);
  return ns;
}

/** `{% set ns.attr = value %}`. */
export function setAttribute(obj: unknown, key: unknown, value: unknown): void {
  if (!obj || typeof obj !== 'object' || !namespaces.has(obj)) throw new TypeError('only a namespace() can have attributes set: {% set ns = namespace(count=0) %}{% set ns.count = … %}');
  defineKey(obj as Record<string, unknown>, String(key), value);
}

/** The globals every template sees. */
export function templateGlobals(): Record<string, unknown> {
  return {
    range: allowCall(range),
    cycler: allowCall(cycler),
    joiner: allowCall(joiner),
    dict: allowCall(dict),
    namespace: allowCall(namespace),
  };
}
