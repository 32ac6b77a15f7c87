// Render every string of a manifest value as a template, keeping the path of
// each string so an error points at its YAML node.
import type { TemplateContext, TemplateEngine } from './template.js';
import type { TemplateError } from './template.js';
import { PyFloat } from './template-float.js';

export interface RenderProblem {
  /** Path of the failing string inside the value. */
  path: (string | number)[];
  error: TemplateError | Error;
}

/**
 * A deep copy of `value` with every string rendered; problems are collected, not thrown.
 * `keepFloats` for vars and loop items, which templates read again: their floats stay floats (template-float.ts).
 */
export function renderDeep(
  value: unknown,
  engine: TemplateEngine,
  context: TemplateContext,
  problems: RenderProblem[],
  path: (string | number)[] = [],
  keepFloats = false,
): unknown {
  if (typeof value === 'string') {
    try {
      return engine.renderValue(value, context, keepFloats);
    } catch (error) {
      problems.push({ path, error: error instanceof Error ? error : new Error(String(error)) });
      return value;
    }
  }
  if (value instanceof PyFloat) return keepFloats ? value : value.valueOf();
  if (Array.isArray(value)) return value.map((v, i) => renderDeep(v, engine, context, problems, [...path, i], keepFloats));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, engine, context, problems, [...path, k], keepFloats);
    return out;
  }
  return value;
}

/** True for a plain mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);
}
