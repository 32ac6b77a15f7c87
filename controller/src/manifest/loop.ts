// `loop:` on a resource, as Ansible's: one resource per item of a list (written
// in YAML, or given by an expression), with the item bound as a var. The loop's
// own problems (not a list, two items making one id) are reported at `loop:`.
import type { Diagnostic, SourceLocation } from './diagnostics.js';
import { formatLocation } from './diagnostics.js';
import { locate } from './yaml.js';
import type { YamlFile } from './yaml.js';
import { isMapping, renderDeep } from './render.js';
import type { RenderProblem } from './render.js';
import type { TemplateContext, TemplateEngine } from './template.js';
import { kindOf, zodDiagnostics } from './zod-diagnostics.js';
import { LoopControl, When } from '../resources/shared/fields.js';
import { whyExcluded } from './when.js';
import { withYamlFloats } from './yaml-floats.js';
import { unwrap } from './template-float.js';
import type { HostInfo } from '../resources/types.js';

/** Where a resource entry is written. */
export interface LoopOrigin {
  yaml: YamlFile;
  path: (string | number)[];
}

/** One resource an entry makes: with `loop`, which item made it. */
export interface Expanded<R> {
  resource: R;
  loop?: { at: SourceLocation; item: string };
}

/** What expanding needs from the host being loaded. */
export interface LoopScope<R> {
  host: HostInfo;
  templates: TemplateEngine;
  context: TemplateContext;
  /** Load the entry with these vars bound (the item, the index). */
  load(entry: unknown, bound: Record<string, unknown>): R;
  templateDiagnostic(problem: RenderProblem, origin: LoopOrigin): Diagnostic;
}

/** The resources one `resources:` entry makes: itself, or one per loop item (none when the loop is empty or wrong). */
export function expandEntry<R>(entry: unknown, origin: LoopOrigin, scope: LoopScope<R>, diagnostics: Diagnostic[]): Expanded<R>[] {
  if (!isMapping(entry) || (!('loop' in entry) && !('loop_control' in entry))) return [{ resource: scope.load(entry, {}) }];
  const { loop, loop_control, ...resource } = entry;
  const at = (key: string, onKey = false) => locate(origin.yaml, [...origin.path, key], onKey);
  if (!('loop' in entry)) {
    diagnostics.push({ ...at('loop_control', true), message: 'loop_control without loop: add loop: (a list, or an expression giving one)' });
    return [];
  }
  const control = LoopControl.optional().safeParse(loop_control, { reportInput: true });
  if (!control.success) {
    diagnostics.push(...zodDiagnostics(control.error, origin.yaml, [...origin.path, 'loop_control'], { what: 'loop_control', knownKeys: () => ['loop_var', 'index_var'] }));
    return [];
  }
  const loopVar = control.data?.loop_var ?? 'item';
  const indexVar = control.data?.index_var;
  // os: and host: do not depend on the item: a loop on a host its when: leaves out is not rendered there.
  const when = When.safeParse(resource.when ?? {});
  if (when.success && whyExcluded({ os: when.data.os, host: when.data.host }, scope.host)) return [{ resource: scope.load(resource, {}) }];

  const problems: RenderProblem[] = [];
  const written = withYamlFloats(origin.yaml, [...origin.path, 'loop'], loop, diagnostics);
  const items = renderDeep(written, scope.templates, scope.context, problems, [], true);
  if (problems.length > 0) {
    for (const p of problems) diagnostics.push(scope.templateDiagnostic(p, { yaml: origin.yaml, path: [...origin.path, 'loop'] }));
    return [];
  }
  if (!Array.isArray(items)) {
    const found = unwrap(items);
    const hint = isMapping(found) ? ' (for a mapping, loop over "{{ m | dict2items }}")' : '';
    const given = typeof loop === 'string' && loop !== items ? ` (${JSON.stringify(loop)} gave ${kindOf(found)})` : '';
    diagnostics.push({ ...at('loop'), message: `loop must be a list, or an expression giving one; found ${kindOf(found)}${given}${hint}` });
    return [];
  }
  const loopAt = at('loop', true);
  const out: Expanded<R>[] = [];
  const seen = new Map<string, number[]>(); // a message every item gives is said once
  const messages: Diagnostic[] = [];
  items.forEach((value, index) => {
    const bound: Record<string, unknown> = { [loopVar]: value };
    if (indexVar) bound[indexVar] = index;
    const label = itemLabel(value, index);
    const before = diagnostics.length;
    out.push({ resource: scope.load(resource, bound), loop: { at: loopAt, item: label } });
    for (const d of diagnostics.splice(before)) {
      const key = `${formatLocation(d)}\0${d.message}`;
      const list = seen.get(key);
      if (list) list.push(index);
      else {
        seen.set(key, [index]);
        messages.push(d);
      }
    }
  });
  for (const d of messages) {
    const indexes = seen.get(`${formatLocation(d)}\0${d.message}`)!;
    const which = indexes.length === items.length && items.length > 1 ? 'every loop item' : indexes.length === 1 ? `loop item ${itemLabel(items[indexes[0]!], indexes[0]!)}` : `loop items ${indexes.map((i) => `#${i}`).join(', ')}`;
    diagnostics.push({ ...d, message: `${d.message} (${which})` });
  }
  return out;
}

/** The message for an id a loop item makes twice, or that is declared elsewhere too; at the loop. */
export function duplicateInLoop(id: string, current: { at: SourceLocation; item: string }, prior: { at: SourceLocation; item?: string; sameLoop: boolean }): Diagnostic {
  const why = 'ids are unique per host: put the item in the title';
  if (prior.sameLoop && prior.item) return { ...current.at, message: `loop: items ${prior.item} and ${current.item} both make ${id}; ${why}` };
  return { ...current.at, message: `loop: item ${current.item} makes ${id}, already declared at ${formatLocation(prior.at)}${prior.item ? ` by item ${prior.item}` : ''}; ${why}` };
}

/** `#1 "flux"`: the index and a short form of the item, for messages. */
function itemLabel(value: unknown, index: number): string {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return `#${index} ${shown.length > 60 ? `${shown.slice(0, 59)}…` : shown}`;
}

