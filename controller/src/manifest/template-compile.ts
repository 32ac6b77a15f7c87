// Teach nunjucks' compiler Jinja2's semantics: operators, conditions and loops
// compile to calls into template-semantics.ts instead of bare JavaScript, and
// output goes through Python's str() with StrictUndefined checked where the
// value is written (its line and column).
import nunjucks from 'nunjucks';
import { iterable, pyAdd, pyCompare, pyConcat, pyDiv, pyEq, pyIn, pyMod, pyMul, pyPow, pySign, pySub, truthy } from './template-semantics.js';
import { PyFloat } from './template-float.js';
import { isUndefined } from './template-undefined.js';
import { pyOutput } from './template-print.js';
import { charge } from './template-budget.js';
import { setAttribute } from './template-globals.js';

interface Node {
  lineno: number;
  colno: number;
  [field: string]: unknown;
}
interface Compiler {
  compile(node: unknown, frame: unknown): void;
  _emit(code: string): void;
  _compileAggregate(node: unknown, frame: unknown, start: string, end: string): void;
}
type CompileFn = (this: Compiler, node: Node, frame: unknown, async?: boolean) => void;
type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => Node;

const nodes = (nunjucks as unknown as { nodes: Record<string, NodeClass & { extend(name: string): NodeClass }> }).nodes;
// A call of a runtime function, as a node the compiler accepts wherever an expression goes.
const RuntimeCall = nodes.Group!.extend('RuntimeCall');

/** A node calling `runtime[fn]` with `args` (nodes, or numbers written as they are). */
export function call(fn: string, at: Node, ...args: unknown[]): Node {
  const n = new RuntimeCall(at.lineno, at.colno, args);
  n.fn = fn;
  return n;
}

/** Install once: the runtime functions compiled templates call, and the compiler methods that emit them. */
export function installSemantics(): void {
  const runtime = nunjucks.runtime as unknown as Record<string, unknown>;
  if (runtime.pyTruthy) return;
  Object.assign(runtime, { pySetAttr: setAttribute, pyTruthy: truthy, pyAdd, pyConcat, pyMul, pyMod, pyDiv, pyIn, pyCompare, pyEq, pyIterable: iterable, pySub, pyPow, pySign });
  runtime.pyFloat = (n: number) => new PyFloat(n);
  runtime.pyOr = (a: unknown, b: () => unknown) => (truthy(a) ? a : b());
  runtime.pyAnd = (a: unknown, b: () => unknown) => (truthy(a) ? b() : a);
  runtime.suppressValue = (v: unknown) => {
    const out = pyOutput(v);
    charge(out);
    return out;
  };
  const TemplateError = (nunjucks.lib as unknown as { TemplateError: new (m: string, l: number, c: number) => Error }).TemplateError;
  runtime.ensureDefined = (v: unknown, lineno: number, colno: number) => {
    // The message names the expression where it is written (template-errors.ts).
    if (isUndefined(v)) throw new TemplateError('attempted to output null or undefined value', lineno + 1, colno + 1);
    return v;
  };

  const proto = (nunjucks as unknown as { compiler: { Compiler: { prototype: Record<string, CompileFn> } } }).compiler.Compiler.prototype;
  const withFrame = (fn: string, lazy: boolean): CompileFn =>
    function (node, frame) {
      this._emit(`runtime.${fn}(`);
      this.compile(node.left, frame);
      this._emit(lazy ? ', function() { return ' : ', ');
      this.compile(node.right, frame);
      this._emit(lazy ? '; })' : ')');
    };
  proto.compileOr = withFrame('pyOr', true);
  proto.compileAnd = withFrame('pyAnd', true);
  proto.compileAdd = withFrame('pyAdd', false);
  proto.compileConcat = withFrame('pyConcat', false);
  proto.compileMul = withFrame('pyMul', false);
  proto.compileMod = withFrame('pyMod', false);
  proto.compileIn = withFrame('pyIn', false);
  proto.compileSub = withFrame('pySub', false);
  proto.compilePow = withFrame('pyPow', false);
  for (const [name, sign] of [['compileNeg', -1], ['compilePos', 1]] as const) {
    proto[name] = function (node, frame) {
      this._emit('runtime.pySign(');
      this.compile(node.target, frame);
      this._emit(`, ${sign})`);
    };
  }
  for (const [name, floor] of [['compileDiv', false], ['compileFloorDiv', true]] as const) {
    proto[name] = function (node, frame) {
      this._emit('runtime.pyDiv(');
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(`, ${floor})`);
    };
  }
  proto.compileNot = function (node, frame) {
    this._emit('!runtime.pyTruthy(');
    this.compile(node.target, frame);
    this._emit(')');
  };
  proto.compileCompare = function (node, frame) {
    this._emit('runtime.pyCompare(');
    this.compile(node.expr, frame);
    for (const op of node.ops as Node[]) {
      this._emit(`, ${JSON.stringify(op.type)}, `);
      this.compile(op.expr, frame);
    }
    this._emit(')');
  };
  proto.compileRuntimeCall = function (node, frame) {
    this._emit(`runtime.${String(node.fn)}(`);
    (node.children as unknown[]).forEach((a, i) => {
      if (i) this._emit(', ');
      if (typeof a === 'number') this._emit(String(a));
      else this.compile(a, frame);
    });
    this._emit(')');
  };
  // A parenthesised list is a tuple (a list here), not JavaScript's comma operator.
  const compileGroup = proto.compileGroup!;
  proto.compileGroup = function (node, frame) {
    if ((node.children as unknown[]).length > 1) this._compileAggregate(node, frame, '[', ']');
    else compileGroup.call(this, node, frame);
  };
  // Tests with several arguments (`is version('1.4', '<=')`): nunjucks emits them without commas.
  proto.compileIs = function (node, frame) {
    const right = node.right as { name?: { value: string }; value?: string; args?: Node };
    this._emit(`env.getTest(${JSON.stringify(right.name ? right.name.value : right.value)}).call(context, `);
    this.compile(node.left, frame);
    if (right.args) {
      this._emit(', ');
      this._compileAggregate(right.args, frame, '', '');
    }
    this._emit(') === true');
  };
  // A call names its callee in errors: nunjucks pastes that name into the generated code with only
  // quotes escaped (a string literal with a newline broke it); emit it as a JSON string.
  proto.compileFunCall = function (node, frame) {
    const self = this as Compiler & { _getNodeName(n: unknown): string; _compileExpression(n: unknown, f: unknown): void };
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.callWrap(`);
    self._compileExpression(node.name, frame);
    this._emit(`, ${JSON.stringify(self._getNodeName(node.name))}, context, `);
    this._compileAggregate(node.args, frame, '[', '])');
    this._emit(')');
  };
  // `{% set ns.attr = value %}` on a namespace().
  const compileSet = proto.compileSet!;
  proto.compileSet = function (node, frame) {
    const targets = node.targets as Node[];
    if (!targets.some((t) => t.typename === 'LookupVal')) return compileSet.call(this, node, frame);
    const target = targets[0]!;
    if (targets.length > 1 || !node.value) throw new (nunjucks.lib as unknown as { TemplateError: new (m: string, l: number, c: number) => Error }).TemplateError('set an attribute one at a time: {% set ns.attr = value %}', target.lineno + 1, target.colno + 1);
    this._emit('runtime.pySetAttr(');
    this.compile(target.target, frame);
    this._emit(', ');
    this.compile(target.val, frame);
    this._emit(', ');
    this.compile(node.value, frame);
    this._emit(');\n');
  };
  for (const name of ['compileIf', 'compileInlineIf'] as const) {
    const original = proto[name]!;
    proto[name] = function (node, frame, async) {
      node.cond = call('pyTruthy', node, node.cond);
      original.call(this, node, frame, async);
    };
  }
  const compileFor = proto.compileFor!;
  proto.compileFor = function (node, frame) {
    const names = (node.name as { children?: unknown[] }).children?.length ?? 1;
    node.arr = call('pyIterable', node, node.arr, names);
    compileFor.call(this, node, frame);
  };
}
