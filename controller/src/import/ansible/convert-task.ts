// One Ansible task → converge resources, or the reason it cannot be one.
// Templates and files are referenced where the role keeps them (copied
// verbatim); a task's own strings keep Ansible's bare names, which converge's
// templates read the same way, except a role var named host, vars or facts
// (converge's own objects), which becomes `{{ vars.host }}`.
import { targetFacts } from './target.js';

export interface TaskContext {
  /** Role var names (defaults/main.yml, vars/main.yml). */
  vars: ReadonlySet<string>;
  /** Their values, for a boolean field given as `{{ var }}` (converge's booleans are not templated). */
  values?: Record<string, unknown>;
  /** Handler name → the resource id it refreshes. */
  handlers: ReadonlyMap<string, string>;
}

export type Converted = { resources: Record<string, unknown>[] } | { unsupported: string };

/** Task keywords: everything else in a task is the module it calls. */
const KEYWORDS = new Set(['name', 'when', 'loop', 'with_items', 'with_list', 'notify', 'become', 'become_user', 'become_method', 'tags', 'register', 'ignore_errors', 'changed_when', 'failed_when', 'args', 'vars', 'environment', 'delegate_to', 'run_once', 'no_log', 'check_mode', 'listen', 'loop_control', 'retries', 'delay', 'until', 'diff', 'throttle', 'any_errors_fatal', 'timeout', 'module_defaults', 'collections', 'connection', 'debugger', 'block', 'rescue', 'always']);

/** The module a task calls (FQCN shortened for ansible.builtin/posix) and its arguments (free-form k=v parsed). */
export function moduleOf(task: Record<string, unknown>): { module: string; args: Record<string, unknown> } | null {
  const key = Object.keys(task).find((k) => !KEYWORDS.has(k));
  if (!key) return null;
  const module = key.replace(/^ansible\.(builtin|posix|legacy)\./, '');
  const value = task[key];
  const extra = (task.args as Record<string, unknown> | undefined) ?? {};
  if (typeof value === 'string') return { module, args: ['command', 'shell'].includes(module) ? { _raw: value, ...extra } : { ...parseKv(value), ...extra } };
  return { module, args: { ...((value as Record<string, unknown> | null) ?? {}), ...extra } };
}

function parseKv(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of text.matchAll(/([a-z_]+)=("([^"]*)"|'([^']*)'|(?:\{\{.*?\}\}|[^\s{]|\{(?!\{))+)/g)) out[m[1]!] = m[3] ?? m[4] ?? m[2];
  return out;
}

/** converge's own template objects: a role var of one of these names is only reachable as `vars.NAME`. */
const OWN = new Set(['host', 'vars', 'facts']);

/** A role var in a task's string that a converge template would not see by its bare name (`{{ host }}` → `{{ vars.host }}`). */
export function rewriteVars(value: string, vars: ReadonlySet<string>): string {
  return value.replace(/(\{\{-?\s*)([a-z_][a-z0-9_]*)/gi, (all, open: string, name: string) => (vars.has(name) && OWN.has(name) ? `${open}vars.${name}` : all));
}

// a YAML 1.1 number is the octal mode already read (0644 → 420); a string is written as it is ("0644", "u=rw" is refused by the schema)
const octal = (n: number) => n.toString(8).padStart(4, '0');
function modeOf(v: unknown, vars: ReadonlySet<string>, values: Record<string, unknown>): { mode?: string } {
  if (v === undefined) return {};
  if (typeof v === 'number') return { mode: octal(v) };
  const text = String(v);
  // a role var holding a mode (02770 read as YAML 1.1 octal) becomes the octal string converge's mode takes
  const ref = /^\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}$/i.exec(text.trim());
  if (ref && typeof values[ref[1]!] === 'number') values[ref[1]!] = octal(values[ref[1]!] as number);
  if (text.includes('{{')) return { mode: rewriteVars(text, vars) };
  return { mode: text.replace(/^0?o/, '0').padStart(4, '0') };
}
const attrsOf = (a: Record<string, unknown>, vars: ReadonlySet<string>, values: Record<string, unknown>) => ({ ...modeOf(a.mode, vars, values), ...(a.owner !== undefined ? { owner: rewriteVars(String(a.owner), vars) } : {}), ...(a.group !== undefined ? { group: rewriteVars(String(a.group), vars) } : {}) });
const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean));

/** Convert one task (already loop-expanded). */
export function convertTask(module: string, args: Record<string, unknown>, ctx: TaskContext): Converted {
  const s = (v: unknown) => rewriteVars(String(v), ctx.vars);
  const truthy = (v: unknown) => boolOf(v, ctx.values ?? {});
  const attrs = (a: Record<string, unknown>) => attrsOf(a, ctx.vars, ctx.values ?? {});
  switch (module) {
    case 'template':
      if (!args.src || !args.dest) return { unsupported: 'template needs src and dest' };
      // a src named by facts (memcached-{{ ansible_facts.os_family }}.conf.j2) is the target's file, so validate finds it
      return { resources: [{ file: s(args.dest), template: `files/templates/${targetFacts(s(args.src))}`, ...attrs(args) }] };
    case 'copy':
      if (!args.dest) return { unsupported: 'copy needs dest' };
      if (args.remote_src) return { unsupported: 'copy with remote_src copies on the machine: a command resource, by hand' };
      if (args.content !== undefined) return { resources: [{ file: s(args.dest), content: s(args.content), ...attrs(args) }] };
      if (!args.src || String(args.src).endsWith('/')) return { unsupported: 'copy of a directory (src ending in /): list its files as file resources' };
      return { resources: [{ file: s(args.dest), source: `files/files/${targetFacts(s(args.src))}`, ...attrs(args) }] };
    case 'file': {
      const p = args.path ?? args.dest ?? args.name;
      if (!p) return { unsupported: 'file needs path' };
      const state = String(args.state ?? 'file');
      if (state === 'directory') return { resources: [{ directory: s(p), ...attrs(args) }] };
      if (state === 'absent') return { resources: [{ file: s(p), ensure: 'absent' }] };
      if (state === 'link') return { resources: [{ symlink: s(p), target: s(args.src) }] };
      return { unsupported: `file state: ${state} (attributes of a file something else writes belong on the resource that writes it; touch changes the time on every run; hard links are not managed)` };
    }
    case 'systemd':
    case 'systemd_service':
    case 'service': {
      if (!args.name) return { unsupported: `${module} needs name` };
      const state = args.state === undefined ? undefined : String(args.state);
      const running = state === 'started' || state === 'restarted' || state === 'reloaded' ? true : state === 'stopped' ? false : undefined;
      const r: Record<string, unknown> = { service: s(args.name).replace(/\.service$/, '') };
      if (args.enabled !== undefined) r.enabled = truthy(args.enabled);
      if (running !== undefined) r.running = running;
      return { resources: [r] };
    }
    case 'apt':
    case 'dnf':
    case 'yum':
    case 'package': {
      const names = list(args.name ?? args.pkg);
      if (!names.length) return { unsupported: `${module} without name (cache updates and upgrades are not resources)` };
      const state = String(args.state ?? 'present');
      if (!['present', 'installed', 'latest', 'absent', 'removed'].includes(state)) return { unsupported: `${module} state: ${state}` };
      return { resources: names.map((n) => ({ package: s(n), ...(state === 'absent' || state === 'removed' ? { ensure: 'absent' } : {}) })) };
    }
    case 'user': {
      if (!args.name) return { unsupported: 'user needs name' };
      if (args.password !== undefined) return { unsupported: 'user with a password: converge never keeps one in a manifest (password: locked, or { hashSecret: <Key Vault name> })' };
      const r: Record<string, unknown> = { user: s(args.name) };
      if (args.state === 'absent') return { resources: [{ ...r, ensure: 'absent' }] };
      if (args.uid !== undefined) r.uid = Number(args.uid);
      if (args.group !== undefined) r.group = s(args.group);
      if (args.groups !== undefined) r.groups = list(args.groups).map(s);
      if (args.comment !== undefined) r.comment = s(args.comment);
      if (args.home !== undefined) r.home = s(args.home);
      if (args.shell !== undefined) r.shell = s(args.shell);
      if (args.system !== undefined) r.system = truthy(args.system);
      return { resources: [r] };
    }
    case 'group': {
      if (!args.name) return { unsupported: 'group needs name' };
      const r: Record<string, unknown> = { group: s(args.name) };
      if (args.state === 'absent') return { resources: [{ ...r, ensure: 'absent' }] };
      if (args.gid !== undefined) r.gid = Number(args.gid);
      if (args.system !== undefined) r.system = truthy(args.system);
      return { resources: [r] };
    }
    case 'command':
    case 'shell': {
      let run = args._raw ?? args.cmd ?? (Array.isArray(args.argv) ? (args.argv as unknown[]).map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ') : undefined);
      if (!run) return { unsupported: `${module} without a command` };
      run = s(run);
      if (args.chdir) run = `cd '${s(args.chdir)}' && ${run}`;
      const r: Record<string, unknown> = { command: '', run };
      if (args.creates) r.creates = s(args.creates);
      if (args.removes) r.onlyIf = `test -e '${s(args.removes)}'`;
      return { resources: [r] };
    }
    case 'lineinfile':
      return { unsupported: 'lineinfile edits one line of a file converge does not own: manage the whole file (a template) instead' };
    default:
      return { unsupported: `module ${module} has no converge resource type` };
  }
}

/** A boolean, or `{{ var }}` / `{{ var | bool }}` of a role var: its default value (a host that overrides it needs the field set by hand). */
function boolOf(v: unknown, values: Record<string, unknown>): boolean {
  const m = /^\{\{\s*([a-z_][a-z0-9_]*)\s*(\|\s*bool\s*)?\}\}$/i.exec(String(v).trim());
  if (m && m[1]! in values) return boolOf(values[m[1]!], {});
  return v === true || /^(yes|true|on|1)$/i.test(String(v));
}
