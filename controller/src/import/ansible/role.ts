// An Ansible role → one converge role file. tasks/main.yml (and the task files
// it includes statically), handlers/main.yml → notify targets, defaults/ and
// vars/main.yml → role vars, loops expanded, `when:` mapped where it means the
// same. Templates and files are copied verbatim. Every task that could not be
// converted is reported at its file:line with the reason.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { convertTask, moduleOf, rewriteVars } from './convert-task.js';
import { convertWhen } from './when.js';
import { FAMILY_FILES, targetFacts } from './target.js';
import { ConvergeError } from '../../platform/errors.js';

/** A task that was not converted. */
export interface Unconverted {
  file: string;
  line: number;
  task: string;
  why: string;
}

export interface ConvertedRole {
  vars: Record<string, unknown>;
  resources: Record<string, unknown>[];
  unconverted: Unconverted[];
  /** Tasks whose `when:` is false on the target (Ansible skips them there too): listed, not converted. */
  skipped: Unconverted[];
  /** Tasks read (loop items counted once). */
  tasks: number;
}

interface Task {
  file: string;
  line: number;
  body: Record<string, unknown>;
}

/** Convert the role in `dir`. */
export function convertRole(dir: string): ConvertedRole {
  const vars: Record<string, unknown> = { ...readVars(dir, 'defaults/main.yml'), ...readVars(dir, 'vars/main.yml') };
  // the OS-specific vars a role includes are known before its handlers are read
  for (const file of FAMILY_FILES) Object.assign(vars, { ...readVars(dir, `vars/${file}.yml`), ...vars });
  const names = new Set(Object.keys(vars));
  const unconverted: Unconverted[] = [];
  const skipped: Unconverted[] = [];
  const report = (t: Task, why: string, into = unconverted) => into.push({ file: t.file, line: t.line, task: String(t.body.name ?? Object.keys(t.body)[0] ?? 'task'), why });

  const resources: Record<string, unknown>[] = [];
  const ids = new Set<string>();
  const tasks = readTasks(dir, 'tasks/main.yml', report);
  // Vars first: OS-specific vars files of the target family, and `set_fact: X when: X is not defined` (a default)
  const rest: Task[] = [];
  for (const t of tasks) {
    const m = moduleOf(t.body);
    if (m?.module === 'include_vars') {
      const found = osVars(dir, m.args, t.body);
      if (found) {
        for (const [k, v] of Object.entries(found)) if (!(k in vars)) vars[k] = v;
        continue;
      }
    }
    if (m?.module === 'set_fact') {
      const conditions = list(t.body.when);
      const defaults = Object.entries(m.args).filter(([k]) => k !== 'cacheable');
      if (defaults.length && conditions.length === defaults.length && defaults.every(([k]) => conditions.some((c) => new RegExp(`^${k}\\s+is\\s+not\\s+defined$`).test(c.trim())))) {
        for (const [k, v] of defaults) if (!(k in vars)) vars[k] = v;
        continue;
      }
    }
    rest.push(t);
  }
  for (const k of Object.keys(vars)) names.add(k);

  // handlers first: a task's notify names them
  const handlerIds = new Map<string, string>();
  const handlerResources: Record<string, unknown>[] = [];
  for (const h of readTasks(dir, 'handlers/main.yml', report)) {
    const m = moduleOf(h.body);
    if (!m) continue;
    const c = convertTask(m.module, m.args, { vars: names, handlers: handlerIds });
    if ('unsupported' in c) {
      report(h, `handler: ${c.unsupported}`);
      continue;
    }
    const r = { ...c.resources[0]! };
    if ('command' in r) Object.assign(r, { command: slug(String(h.body.name ?? 'handler')), refreshOnly: true });
    // a handler restarts or reloads: as a notify target it keeps no state of its own
    if ('service' in r) {
      delete r.running;
      delete r.enabled;
    }
    const id = idOf(r);
    for (const n of [h.body.name, ...(Array.isArray(h.body.listen) ? h.body.listen : h.body.listen ? [h.body.listen] : [])]) if (n) handlerIds.set(String(n), id);
    handlerResources.push(r);
  }

  for (const t of rest) {
    const m = moduleOf(t.body);
    if (!m) {
      report(t, 'no module in this task');
      continue;
    }
    const when = convertWhen(t.body.when);
    if ('unsupported' in when) {
      report(t, when.unsupported);
      continue;
    }
    if ('skipped' in when) {
      report(t, when.skipped, skipped);
      continue;
    }
    const items = loopItems(t.body, vars);
    if (items && 'unsupported' in items) {
      report(t, items.unsupported);
      continue;
    }
    if (items && m.module === 'template' && readsItem(dir, m.args.src)) {
      report(t, `template ${String(m.args.src)} reads item: converge renders a template once per file, without the loop's item`);
      continue;
    }
    const notify: string[] = [];
    for (const n of list(t.body.notify)) {
      const id = handlerIds.get(n);
      if (id) notify.push(id);
      else report(t, `notify: no handler named '${n}'`);
    }
    for (const item of items ? items.items : [undefined]) {
      const args = item === undefined ? m.args : substituteItem(m.args, item);
      if (JSON.stringify(args).includes('item')) {
        report(t, 'uses item in a way converge cannot expand (a filter or a nested loop)');
        break;
      }
      const c = convertTask(m.module, args, { vars: names, values: vars, handlers: handlerIds });
      if ('unsupported' in c) {
        report(t, c.unsupported);
        break;
      }
      for (const raw of c.resources) {
        const r: Record<string, unknown> = { ...raw };
        if ('command' in r) r.command = slug(`${String(t.body.name ?? 'command')}${item === undefined ? '' : `-${String(typeof item === 'object' ? JSON.stringify(item) : item)}`}`);
        if (when.when) r.when = when.when;
        if (notify.length) r.notify = notify;
        const id = idOf(r);
        if (ids.has(id)) {
          report(t, `${id} is declared again (converge keeps one resource per id: merge the two tasks)`);
          continue;
        }
        ids.add(id);
        resources.push(r);
      }
    }
  }
  // a handler runs only when a task notifies it: one nothing converted notifies is not a resource
  const notified = new Set(resources.flatMap((r) => (Array.isArray(r.notify) ? (r.notify as string[]) : [])));
  for (const r of handlerResources) if (!ids.has(idOf(r)) && notified.has(idOf(r))) resources.push(r);
  return { vars: rewriteDeep(vars, names) as Record<string, unknown>, resources, unconverted, skipped, tasks: tasks.length };
}


/** The vars of an `include_vars` of an OS-specific file, for the target facts; null when it is not one. */
function osVars(dir: string, args: Record<string, unknown>, task: Record<string, unknown>): Record<string, unknown> | null {
  const candidates: string[] = [];
  const raw = args.file ?? args._raw ?? args.name ?? (typeof task['ansible.builtin.include_vars'] === 'string' ? task['ansible.builtin.include_vars'] : undefined) ?? (typeof task.include_vars === 'string' ? task.include_vars : undefined);
  if (typeof raw === 'string') candidates.push(raw);
  for (const x of list(task.with_first_found)) candidates.push(x);
  for (const c of candidates) {
    const file = targetFacts(c);
    if (file.includes('{{')) continue;
    const found = readVars(dir, path.posix.join('vars', file));
    if (Object.keys(found).length) return found;
  }
  return null;
}

/** Whether a role template (templates/SRC) names the loop's `item` inside a {{ }} or {% %}. */
function readsItem(dir: string, src: unknown): boolean {
  const file = path.join(dir, 'templates', targetFacts(String(src ?? '')));
  return existsSync(file) && /\{[{%](?:(?![}%]\}).)*\bitem\b/s.test(readFileSync(file, 'utf8'));
}

function idOf(r: Record<string, unknown>): string {
  const type = Object.keys(r)[0]!;
  return `${type}:${String(r[type])}`;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'command';
}

function list(v: unknown): string[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

function readVars(dir: string, rel: string): Record<string, unknown> {
  const file = path.join(dir, rel);
  if (!existsSync(file)) return {};
  // YAML 1.1, as Ansible (PyYAML) reads it: 0644 is octal, yes is true
  const doc = parseDocument(readFileSync(file, 'utf8'), { version: '1.1' });
  if (doc.errors.length) throw new ConvergeError('invalid-input', `${rel}: ${doc.errors[0]!.message}`);
  const value = doc.toJS() as unknown;
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** The tasks of a task file, with their lines; include_tasks / import_tasks of a static file are followed. */
function readTasks(dir: string, rel: string, report: (t: Task, why: string) => void, depth = 0, outer: Record<string, unknown> = {}): Task[] {
  const file = path.join(dir, rel);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1' });
  if (doc.errors.length) throw new ConvergeError('invalid-input', `${rel}:${doc.errors[0]!.linePos?.[0]?.line ?? 1}: ${doc.errors[0]!.message}`);
  const out: Task[] = [];
  const walk = (seq: Node | null | undefined, inherited: Record<string, unknown>) => {
    if (!isSeq(seq)) return;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      const own = item.toJSON() as Record<string, unknown>;
      // conditions of an enclosing block or include hold for every task inside it
      const conditions = [...list(inherited.when), ...list(own.when)];
      const body: Record<string, unknown> = { ...inherited, ...own, ...(conditions.length ? { when: conditions } : {}) };
      const task: Task = { file: rel, line: lines.linePos(item.range?.[0] ?? 0).line, body };
      const block = item.get('block', true) as Node | undefined;
      if (block) {
        if (body.rescue || body.always) report(task, 'block with rescue/always: converge has no error handling inside a run');
        const { block: _b, rescue: _r, always: _a, name: _n, ...keep } = body;
        walk(block, keep);
        continue;
      }
      const include = body.include_tasks ?? body.import_tasks ?? body['ansible.builtin.include_tasks'] ?? body['ansible.builtin.import_tasks'];
      if (include !== undefined) {
        const target = typeof include === 'string' ? include : String((include as { file?: string }).file ?? '');
        if (!target || target.includes('{{') || depth > 5) report(task, `include of ${target || 'a computed file'}: only a static task file is followed`);
        else out.push(...readTasks(dir, path.posix.join('tasks', target), report, depth + 1, body.when === undefined ? {} : { when: body.when }));
        continue;
      }
      out.push(task);
    }
  };
  walk(doc.contents, outer);
  return out;
}

type Items = { items: unknown[] } | { unsupported: string };

function loopItems(task: Record<string, unknown>, vars: Record<string, unknown>): Items | null {
  const raw = task.loop ?? task.with_items ?? task.with_list;
  if (raw === undefined) return null;
  if (Array.isArray(raw)) return { items: task.with_items ? raw.flat() : raw };
  const m = /^\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}$/i.exec(String(raw).trim());
  if (m && Array.isArray(vars[m[1]!])) return { items: vars[m[1]!] as unknown[] };
  return { unsupported: `loop over ${String(raw)}: only a literal list or a role var holding one is expanded` };
}

/** `{{ item }}` and `{{ item.key }}` replaced by the item's values in every string. */
function substituteItem(value: unknown, item: unknown): Record<string, unknown> {
  const sub = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\{\{\s*item\s*\}\}$/.exec(v);
      if (whole) return item;
      return v.replace(/\{\{\s*item(?:\.([a-z_][a-z0-9_]*))?\s*\}\}/gi, (all, key: string | undefined) => {
        const x = key ? (item as Record<string, unknown> | null)?.[key] : item;
        return x === undefined ? all : String(x);
      });
    }
    if (Array.isArray(v)) return v.map(sub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]));
    return v;
  };
  return sub(value) as Record<string, unknown>;
}

function rewriteDeep(value: unknown, names: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return rewriteVars(value, names);
  if (Array.isArray(value)) return value.map((v) => rewriteDeep(v, names));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteDeep(v, names)]));
  return value;
}
