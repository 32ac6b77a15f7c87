// The template sandbox. nunjucks compiles templates to JavaScript whose every
// variable read, member access, call and assignment goes through its runtime;
// these replacements make that runtime reach data only: own keys of mappings,
// items of lists, the Python methods of template-python.ts, and functions the
// engine itself handed out (globals, filters' results, macros). Every step is
// charged to the host's budget (template-budget.ts).
import nunjucks from 'nunjucks';
import { charge, tick } from './template-budget.js';
import { METHOD_NAMES, pythonMethod } from './template-python.js';
import { isUndefined, undefinedMember, undefinedName } from './template-undefined.js';
import { installSemantics } from './template-compile.js';
import { installParser } from './template-parse.js';

/** A template tried to reach something that is not data. */
export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** Functions a template may call: only those the engine made. */
const callable = new WeakSet<object>();

/** Mark `fn` as callable from templates and return it. */
export function allowCall<T extends object>(fn: T): T {
  callable.add(fn);
  return fn;
}

// JavaScript's ways from a value to its constructor and prototype, and Python's.
const FORBIDDEN = new Set(['constructor', 'prototype', 'caller', 'callee', 'arguments', 'valueOf', 'toString', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'bind', 'call', 'apply', 'mro']);

/** Explain why `name` may not be read, or undefined when it may. */
export function forbiddenName(name: string): string | undefined {
  // `__x__` is Python's and JavaScript's machinery (__class__, __proto__, __defineGetter__); `__x` is an Ansible
  // role's private var (__memcached_user), an own key of a mapping like any other
  if (FORBIDDEN.has(name) || /^__.*__$/.test(name)) return `'${name}' cannot be used in a template: templates reach data (vars, facts, host), not the objects behind it`;
  return undefined;
}

type Show = (v: unknown) => string;
let show: Show = String;

/** How values print inside Python methods (`'{}'.format(x)`). */
export function setShow(fn: Show): void {
  show = fn;
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python's seq[start:stop:step]. */
function pySlice(seq: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const isStr = typeof seq === 'string';
  const list = isStr ? [...(seq as string)] : Array.isArray(seq) ? seq : undefined;
  if (!list) throw new TypeError('only a list or a string can be sliced');
  const len = list.length;
  const st = step === null || step === undefined ? 1 : Number(step);
  if (st === 0) throw new Error('slice step cannot be zero');
  const norm = (v: unknown, dflt: number, lo: number, hi: number) => {
    if (v === null || v === undefined) return dflt;
    const x = Number(v);
    return Math.min(Math.max(x < 0 ? x + len : x, lo), hi);
  };
  const a = norm(start, st > 0 ? 0 : len - 1, st > 0 ? 0 : -1, st > 0 ? len : len - 1);
  const b = norm(stop, st > 0 ? len : -1, st > 0 ? 0 : -1, st > 0 ? len : len - 1);
  const out: unknown[] = [];
  for (let i = a; st > 0 ? i < b : i > b; i += st) out.push(list[i]);
  return isStr ? out.join('') : out;
}

/** `obj.name` / `obj[name]` as a sandboxed template sees it (and `obj[a:b:c]`, given four arguments). */
export function safeMember(obj: unknown, key: unknown, ...slice: unknown[]): unknown {
  tick();
  if (slice.length === 2) {
    if (isUndefined(obj)) obj.fail();
    return pySlice(obj, key, slice[0], slice[1]);
  }
  if (isUndefined(obj)) return obj;
  if (isUndefined(key)) key.fail();
  if (obj === undefined || obj === null) return undefinedMember(obj ?? null, key);
  const name = typeof key === 'number' ? key : String(key);
  if (typeof name === 'string') {
    const why = forbiddenName(name);
    if (why) throw new SandboxError(why);
  }
  if (typeof obj === 'function') throw new SandboxError(`a function has no attributes in a template (tried '${String(name)}')`);
  if (obj instanceof nunjucks.runtime.SafeString) obj = String(obj);
  if (typeof name === 'string' && METHOD_NAMES.has(name)) {
    const method = pythonMethod(obj, name, show);
    if (method) return allowCall(method);
  }
  if (typeof obj === 'string' || Array.isArray(obj)) {
    const index = typeof name === 'number' ? name : /^-?\d+$/.test(name) ? Number(name) : NaN;
    const at = index < 0 ? obj.length + index : index;
    return Number.isInteger(index) && at >= 0 && at < obj.length ? obj[at] : undefinedMember(obj, name);
  }
  if (typeof obj === 'object' && obj !== null && isPlain(obj)) {
    const k = String(name);
    return Object.hasOwn(obj, k) ? (obj as Record<string, unknown>)[k] : undefinedMember(obj, k);
  }
  return undefinedMember(obj, name);
}

/** A call from a template: only functions the engine made. */
function safeCall(fn: unknown, name: string, context: unknown, args: unknown[]): unknown {
  tick();
  if (isUndefined(fn)) fn.fail();
  if (fn === undefined || fn === null) throw new Error(`'${name}' is None; it cannot be called`);
  if (typeof fn !== 'function' || !callable.has(fn)) throw new SandboxError(`'${name}' is not a function a template may call`);
  const result: unknown = (fn as (...a: unknown[]) => unknown).apply(context, args);
  charge(result);
  return result;
}

interface RuntimeContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}
interface Frame {
  lookup(name: string): unknown;
}

/** Where the render context keeps Ansible's names for the machine (not an identifier: no template can name it). */
export const ANSIBLE_NAMES = 'ansible names';

/**
 * A name in the template: a loop or set variable, then the render context (host, vars, facts),
 * then a var by its bare name (as Ansible has them), then Ansible's names for the machine, then
 * a global. Own keys only: vars are read one by one (each renders when first read).
 */
function safeLookup(context: RuntimeContext, frame: Frame, name: string): unknown {
  tick();
  const local = frame.lookup(name);
  if (local !== undefined) return local;
  const ctx = context.ctx;
  if (Object.hasOwn(ctx, name) && name !== ANSIBLE_NAMES) return ctx[name];
  const vars = ctx.vars as Record<string, unknown> | undefined;
  if (vars && typeof vars === 'object' && Object.hasOwn(vars, name)) return vars[name];
  const ansible = ctx[ANSIBLE_NAMES] as Record<string, unknown> | undefined;
  if (ansible && Object.hasOwn(ansible, name)) return ansible[name];
  if (Object.hasOwn(context.env.globals, name)) return context.env.globals[name];
  if (name === 'True' || name === 'False' || name === 'None') return name === 'None' ? null : name === 'True';
  return undefinedName(name);
}

type Runtime = Record<string, unknown> & { Frame: { prototype: { set: (this: unknown, name: string, val: unknown, resolveUp?: boolean) => void } } };
type CompilerProto = Record<string, (this: { fail(m: string, l?: number, c?: number): never }, node: CompileNode, frame: unknown) => void>;
interface CompileNode {
  key?: { value?: unknown; lineno?: number; colno?: number };
  targets?: { value?: unknown; lineno?: number; colno?: number }[];
  value?: unknown;
  lineno?: number;
  colno?: number;
}

let installed = false;

/** Replace nunjucks' runtime lookups with the sandboxed ones (once per process; every nunjucks use here is ours). */
export function installSandbox(): void {
  if (installed) return;
  installed = true;
  // Jinja2's slices (`x[1:]`) come from nunjucks' own compatibility layer; its lookups are replaced below.
  (nunjucks as unknown as { installJinjaCompat(): void }).installJinjaCompat();
  installSemantics();
  installParser();
  const runtime = nunjucks.runtime as unknown as Runtime;
  runtime.memberLookup = safeMember;
  runtime.callWrap = safeCall;
  // Compiled templates track 0-based positions; report them 1-based, as every other position
  // (0 stays "no position": the first line is also where nothing set one, and the message finds the tag).
  const TemplateError = (nunjucks.lib as unknown as { TemplateError: new (e: unknown, l: number, c: number) => Error }).TemplateError;
  runtime.handleError = (error: { lineno?: number }, lineno: number, colno: number) => (error.lineno ? error : new TemplateError(error, lineno ? lineno + 1 : 0, lineno ? colno + 1 : 0));
  runtime.contextOrFrameLookup = safeLookup;
  const makeMacro = runtime.makeMacro as (...a: unknown[]) => object;
  runtime.makeMacro = (...a: unknown[]) => allowCall(makeMacro(...a));
  const fromIterator = runtime.fromIterator as (v: unknown) => unknown;
  runtime.fromIterator = (v: unknown) => {
    tick();
    return fromIterator(v);
  };
  const set = runtime.Frame.prototype.set;
  runtime.Frame.prototype.set = function (name: string, val: unknown, resolveUp?: boolean) {
    tick();
    if (resolveUp) charge(val);
    set.call(this, name, val, resolveUp);
  };
  // Attribute paths in filters (sort(attribute=…), groupby, sum …) go through the same member lookup.
  const lib = nunjucks.lib as unknown as Record<string, unknown>;
  lib.getAttrGetter = (attribute: unknown) => {
    const parts = typeof attribute === 'string' ? attribute.split('.') : [attribute];
    return (item: unknown) => parts.reduce<unknown>((v, p) => safeMember(v, p), item);
  };

  // At compile time: no dict key or assigned name that would reach a prototype.
  const compiler = (nunjucks as unknown as { compiler: { Compiler: { prototype: CompilerProto } } }).compiler.Compiler.prototype;
  const compilePair = compiler.compilePair!;
  compiler.compilePair = function (node, frame) {
    if (node.key?.value === '__proto__') this.fail(`'__proto__' cannot be a key in a template`, node.key.lineno, node.key.colno);
    compilePair.call(this, node, frame);
  };
  const compileSet = compiler.compileSet!;
  compiler.compileSet = function (node, frame) {
    for (const t of node.targets ?? []) {
      if (t.value === '__proto__') this.fail(forbiddenName(t.value)!, t.lineno, t.colno);
    }
    compileSet.call(this, node, frame);
  };
}
