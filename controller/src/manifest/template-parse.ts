// Jinja2 syntax nunjucks' parser lacks or reads differently: `for (k, v) in`,
// `for x in xs if cond`, tests with a bare argument (`is sameas true`,
// `is divisibleby 3`), and loop bodies whose `{% set %}` stays inside the loop.
import nunjucks from 'nunjucks';
import { call } from './template-compile.js';

type Tok = { type: string; value: string; lineno: number; colno: number };
interface Parser {
  peekToken(): Tok;
  nextToken(): Tok;
  skip(type: string): boolean;
  skipSymbol(name: string): boolean;
  fail(message: string, lineno?: number, colno?: number): never;
  parsePrimary(noPostfix?: boolean): Node;
  parsePostfix(node: Node): Node;
  parseOr(): Node;
  parseExpression(): Node;
  parseCompare(): Node;
  parseSignature(tolerant?: boolean, noParens?: boolean): Node;
  parseUntilBlocks(...names: string[]): Node;
  advanceAfterBlockEnd(name?: string): void;
}
type Node = { lineno: number; colno: number; [k: string]: unknown };
type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => Node;

const n = (nunjucks as unknown as { nodes: Record<string, NodeClass> }).nodes;
const L = (nunjucks as unknown as { lexer: Record<string, string> }).lexer;

/** True when `node` (a template AST) reads `loop` anywhere. */
function readsLoop(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const x = node as Node;
  if (x.typename === 'Symbol' && x.value === 'loop') return true;
  return Object.values(x).some((v) => (Array.isArray(v) ? v.some(readsLoop) : typeof v === 'object' && v !== null && 'lineno' in v ? readsLoop(v) : false));
}

/** The whole text of a float literal starting at `tok`: nunjucks' lexer splits `1.5e-3` into `1.5`, `e`, `-`, `3`. */
function floatText(parser: Parser, tok: Tok): string {
  let text = tok.value;
  const adjacent = (t: Tok | null | undefined): t is Tok => !!t && t.lineno === tok.lineno && t.colno === tok.colno + text.length;
  const take = (t: Tok) => {
    parser.nextToken();
    text += t.value;
  };
  if (tok.type === L.TOKEN_FLOAT) {
    const next = parser.peekToken();
    if (adjacent(next) && next.type === L.TOKEN_SYMBOL && /^[eE]\d*$/.test(next.value)) take(next);
  }
  if (/[eE]$/.test(text)) {
    const sign = parser.peekToken();
    if (adjacent(sign) && (sign.value === '-' || sign.value === '+')) take(sign);
    const digits = parser.peekToken();
    if (adjacent(digits) && digits.type === L.TOKEN_INT) take(digits);
  }
  if (!/^\d+(\.\d*)?([eE][-+]?\d+)?$/.test(text)) parser.fail(`'${text}' is not a number: an exponent needs digits (1e3, 1.5e-3)`, tok.lineno, tok.colno);
  return text;
}

/** Install once. */
export function installParser(): void {
  const proto = (nunjucks as unknown as { parser: { Parser: { prototype: Record<string, unknown> } } }).parser.Parser.prototype;
  if (proto.convergeParser) return;
  proto.convergeParser = true;

  // Float literals (`2.0`, `1e3`, `1.5e-3`) make Python floats; nunjucks reads `2.0` as the int 2 and `1e3` as a name.
  const parsePrimary = proto.parsePrimary as (this: Parser, noPostfix?: boolean) => Node;
  proto.parsePrimary = function (this: Parser, noPostfix?: boolean): Node {
    const tok = this.peekToken();
    const exponentOnly = tok?.type === L.TOKEN_SYMBOL && /^\d+[eE]\d*$/.test(tok.value);
    if (tok?.type !== L.TOKEN_FLOAT && !exponentOnly) return parsePrimary.call(this, noPostfix);
    this.nextToken();
    const text = floatText(this, tok);
    const node = call('pyFloat', tok as unknown as Parameters<typeof call>[1], Number(text));
    return noPostfix ? node : this.parsePostfix(node);
  };

  proto.parseFor = function (this: Parser): Node {
    const forTok = this.peekToken();
    if (!this.skipSymbol('for')) this.fail('expected for', forTok.lineno, forTok.colno);
    const node = new n.For!(forTok.lineno, forTok.colno);
    const paren = this.skip(L.TOKEN_LEFT_PAREN!);
    const names = [this.parsePrimary()];
    while (this.skip(L.TOKEN_COMMA!)) names.push(this.parsePrimary());
    if (paren && !this.skip(L.TOKEN_RIGHT_PAREN!)) this.fail('expected ) after the loop variables', forTok.lineno, forTok.colno);
    for (const name of names) if (name.typename !== 'Symbol') this.fail('variable name expected for loop', name.lineno, name.colno);
    if (names.length === 1) node.name = names[0];
    else {
      const list = new n.Array!(names[0]!.lineno, names[0]!.colno);
      for (const name of names) (list as unknown as { addChild(x: Node): void }).addChild(name);
      node.name = list;
    }
    if (!this.skipSymbol('in')) this.fail('expected "in" keyword for loop', forTok.lineno, forTok.colno);
    node.arr = this.parseOr();
    let cond: Node | undefined;
    if (this.skipSymbol('if')) cond = this.parseExpression();
    this.advanceAfterBlockEnd(forTok.value);
    node.body = this.parseUntilBlocks('endfor', 'else');
    if (this.skipSymbol('else')) {
      this.advanceAfterBlockEnd('else');
      node.else_ = this.parseUntilBlocks('endfor');
    }
    this.advanceAfterBlockEnd();
    if (cond) {
      // Filtering by skipping turns is the same as Jinja2's only when the body does not count turns.
      if (readsLoop(node.body) || node.else_) this.fail('a loop filtered with `if` that reads loop.* or has {% else %} is not rendered like Jinja2 here: filter the list first (| selectattr, | select)', forTok.lineno, forTok.colno);
      const body = node.body as Node;
      node.body = new n.NodeList!(body.lineno, body.colno, [new n.If!(cond.lineno, cond.colno, cond, body, null)]);
    }
    return node;
  };

  proto.parseIs = function (this: Parser): Node {
    let node = this.parseCompare();
    if (this.skipSymbol('is')) {
      const not = this.skipSymbol('not');
      const tok = this.nextToken();
      // `none`, `true` and `false` are tests too, though the lexer reads them as literals.
      const named = tok?.type === L.TOKEN_NONE ? 'none' : tok?.type === L.TOKEN_BOOLEAN ? tok.value.toLowerCase() : tok?.type === L.TOKEN_SYMBOL ? tok.value : undefined;
      if (!named) this.fail('expected a test name after "is"', tok?.lineno, tok?.colno);
      let test: Node = new n.Symbol!(tok.lineno, tok.colno, named);
      const next = this.peekToken();
      if (next?.type === L.TOKEN_LEFT_PAREN) test = new n.FunCall!(tok.lineno, tok.colno, test, this.parseSignature());
      else if (next && [L.TOKEN_STRING, L.TOKEN_INT, L.TOKEN_FLOAT, L.TOKEN_BOOLEAN, L.TOKEN_NONE, L.TOKEN_LEFT_BRACKET, L.TOKEN_LEFT_CURLY].includes(next.type)) {
        test = new n.FunCall!(tok.lineno, tok.colno, test, new n.NodeList!(next.lineno, next.colno, [this.parsePrimary()]));
      } else if (next?.type === L.TOKEN_SYMBOL && !['else', 'or', 'and', 'if', 'is', 'in', 'not'].includes(next.value)) {
        test = new n.FunCall!(tok.lineno, tok.colno, test, new n.NodeList!(next.lineno, next.colno, [this.parsePrimary()]));
      }
      node = new n.Is!(node.lineno, node.colno, node, test);
      if (not) node = new n.Not!(node.lineno, node.colno, node);
    }
    return node;
  };

  // Jinja2: an assignment inside a loop body (or an include) never changes the variable outside it.
  const runtime = nunjucks.runtime as unknown as { Frame: new (parent: unknown, isolate: boolean) => unknown };
  const Frame = runtime.Frame as unknown as { prototype: { push(this: unknown, isolate?: boolean): unknown } };
  Frame.prototype.push = function (this: unknown) {
    return new runtime.Frame(this, true);
  };
}
