// kcall: the little language of kernel calls typed by lecturers and written in scenario `run:` entries.
//
//   p = kmalloc(200, GFP_KERNEL)
//   @cpu1:hardirq b = kmalloc(64, GFP_ATOMIC | __GFP_NOWARN)   # on CPU 1, in hardirq context
//
// source     := { stmt | sep }           sep := newline | ';'       comments: '#' or '//' to end of line
// stmt       := [ '@cpu' N [ ':' context ] ] [ ident '=' ] ident '(' [ expr { ',' expr } ] ')'
// expr       := and { '|' and }          and := unary { '&' unary }        unary := '~' unary | primary
// primary    := number | string | ident | '(' expr ')'
//
// Numbers are bigints (direct-map addresses such as 0xffff888000100000 exceed 2^53) and take the binary suffixes
// that the kernel's memparse() (lib/cmdline.c) takes: K, M, G (or k, m, g), plus KiB, MiB, GiB.
// A small hand-written recursive-descent parser; errors are values with 1-based line and column.

import {CONTEXTS, type ContextName} from '../kernel/context.js';

export type Pos = {readonly line: number; readonly col: number};
/** `text`, when present, is how a number was spelled in the source (e.g. "1M"); formatStmt keeps it. */
export type Expr =
  | {kind: 'num'; value: bigint; pos: Pos; text?: string}
  | {kind: 'str'; value: string; pos: Pos}
  | {kind: 'ident'; name: string; pos: Pos}
  | {kind: 'or' | 'and'; left: Expr; right: Expr; pos: Pos}
  | {kind: 'not'; operand: Expr; pos: Pos};
export {CONTEXTS};
export type Context = ContextName;
export type Stmt = {
  target?: {name: string; pos: Pos};
  call: string;
  callPos: Pos;
  args: Expr[];
  cpu?: number;
  context?: Context;
  pos: Pos;
  /** The statement's source text, trimmed. */
  text: string;
};
export type KcallError = {line: number; col: number; message: string};

/** Deeper expressions than this are refused, so that no input can overflow the stack of a recursive walk. */
export const MAX_EXPR_DEPTH = 256;
const U64_MAX = (1n << 64n) - 1n;

const SUFFIX_SHIFT: Readonly<Record<string, bigint>> = {
  K: 10n, k: 10n, KiB: 10n,
  M: 20n, m: 20n, MiB: 20n,
  G: 30n, g: 30n, GiB: 30n,
};
const NUMBER = /^(?:0[xX]([0-9a-fA-F]+)|([0-9]+))(K|M|G|k|m|g|KiB|MiB|GiB)?$/;

/** memparse()-style number: 4096, 0x1000, 4K, 1M, 2GiB. Undefined when the text is not one. Not range-checked. */
export function parseNumber(text: string): bigint | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const base = m[1] !== undefined ? BigInt('0x' + m[1]) : BigInt(m[2]);
  return m[3] === undefined ? base : base << SUFFIX_SHIFT[m[3]];
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer

type TokKind = 'ident' | 'num' | 'str' | 'cpu' | 'punct' | 'sep' | 'eof' | 'bad';
type Tok = {kind: TokKind; text: string; off: number; end: number; num?: bigint; str?: string; cpu?: number};

class KcallFail {
  constructor(readonly off: number, readonly message: string) {}
}

const PUNCT = '()=,|&~:';
const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isWordChar = (c: string) => /[A-Za-z0-9_]/.test(c);

class Lexer {
  private i = 0;
  private peeked: Tok | undefined;
  constructor(private readonly src: string) {}

  peek(): Tok {
    return (this.peeked ??= this.lex());
  }

  next(): Tok {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private lex(): Tok {
    const s = this.src;
    for (;;) {
      while (this.i < s.length && (s[this.i] === ' ' || s[this.i] === '\t' || s[this.i] === '\r')) this.i++;
      if (s[this.i] === '#' || (s[this.i] === '/' && s[this.i + 1] === '/')) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      break;
    }
    const off = this.i;
    if (off >= s.length) return {kind: 'eof', text: '', off, end: off};
    const c = s[off];
    if (c === '\n' || c === ';') return this.take('sep', off + 1);
    if (PUNCT.includes(c)) return this.take('punct', off + 1);
    if (c === '"') return this.string();
    if (/[0-9]/.test(c)) return this.number();
    if (isIdentStart(c)) {
      let j = off + 1;
      while (j < s.length && isWordChar(s[j])) j++;
      return this.take('ident', j);
    }
    if (c === '@') return this.cpu();
    const cp = String.fromCodePoint(s.codePointAt(off) ?? 0xfffd);
    return this.take('bad', off + cp.length);
  }

  private take(kind: TokKind, end: number): Tok {
    const off = this.i;
    this.i = end;
    return {kind, text: this.src.slice(off, end), off, end};
  }

  private number(): Tok {
    const s = this.src;
    let j = this.i;
    while (j < s.length && /[0-9A-Za-z_.]/.test(s[j])) j++;
    const t = this.take('num', j);
    const value = parseNumber(t.text);
    if (value === undefined) throw new KcallFail(t.off, `found ${quote(t.text)}, expected a number such as 4096, 0x1000 or 4K`);
    if (value > U64_MAX) throw new KcallFail(t.off, `found ${quote(t.text)}, expected a number below 2^64`);
    t.num = value;
    return t;
  }

  private string(): Tok {
    const s = this.src;
    const off = this.i;
    let value = '';
    let j = off + 1;
    for (;;) {
      if (j >= s.length || s[j] === '\n') throw new KcallFail(off, 'unterminated string, expected a closing "');
      const c = s[j];
      if (c === '"') break;
      if (c === '\\') {
        const e = s[j + 1];
        if (e === '"' || e === '\\') {
          value += e;
          j += 2;
          continue;
        }
        if (e === undefined || e === '\n') throw new KcallFail(off, 'unterminated string, expected a closing "');
        throw new KcallFail(j, `found the escape \\${e} in a string, expected \\" or \\\\`);
      }
      value += c;
      j++;
    }
    const t = this.take('str', j + 1);
    t.str = value;
    return t;
  }

  private cpu(): Tok {
    const s = this.src;
    let j = this.i + 1;
    while (j < s.length && isWordChar(s[j])) j++;
    const t = this.take('cpu', j);
    const m = /^@cpu([0-9]+)$/.exec(t.text);
    const n = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(n)) throw new KcallFail(t.off, `found ${quote(t.text)}, expected a CPU number as in @cpu1`);
    t.cpu = n;
    return t;
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
}

function describe(t: Tok): string {
  if (t.kind === 'eof' || (t.kind === 'sep' && t.text === '\n')) return 'the end of the line';
  if (t.kind === 'str') return `the string ${t.text.length > 42 ? t.text.slice(0, 40) + '…"' : t.text}`;
  return quote(t.text);
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

const EXPECT_EXPR = 'an expression (a number, a name or a string)';
const EXPECT_STMT = 'a call, as in p = kmalloc(64, GFP_KERNEL)';

class Parser {
  private readonly lx: Lexer;
  private readonly lineStarts: number[] = [0];
  private readonly heights = new WeakMap<Expr, number>();

  constructor(private readonly src: string) {
    this.lx = new Lexer(src);
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') this.lineStarts.push(i + 1);
  }

  pos(off: number): Pos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return {line: lo + 1, col: off - this.lineStarts[lo] + 1};
  }

  private fail(t: Tok, expected: string): never {
    throw new KcallFail(t.off, `found ${describe(t)}, expected ${expected}`);
  }

  private expectPunct(text: string, expected: string): Tok {
    const t = this.lx.next();
    if (t.kind !== 'punct' || t.text !== text) this.fail(t, expected);
    return t;
  }

  program(): Stmt[] {
    const stmts: Stmt[] = [];
    for (;;) {
      while (this.lx.peek().kind === 'sep') this.lx.next();
      if (this.lx.peek().kind === 'eof') return stmts;
      stmts.push(this.stmt());
      const t = this.lx.peek();
      if (t.kind !== 'sep' && t.kind !== 'eof') this.fail(t, 'the end of the statement (a new line or ";")');
    }
  }

  private stmt(): Stmt {
    const first = this.lx.peek();
    let cpu: number | undefined;
    let context: Context | undefined;
    if (first.kind === 'cpu') {
      cpu = this.lx.next().cpu;
      const colon = this.lx.peek();
      if (colon.kind === 'punct' && colon.text === ':') {
        this.lx.next();
        const c = this.lx.next();
        const known = (CONTEXTS as readonly string[]).includes(c.text);
        if (c.kind !== 'ident' || !known) this.fail(c, 'a context: process, softirq or hardirq');
        context = c.text as Context;
      }
    }
    let name = this.lx.next();
    if (name.kind !== 'ident') this.fail(name, EXPECT_STMT);
    let target: Stmt['target'];
    const after = this.lx.next();
    if (after.kind === 'punct' && after.text === '=') {
      target = {name: name.text, pos: this.pos(name.off)};
      name = this.lx.next();
      if (name.kind !== 'ident') this.fail(name, 'a function name, as in p = kmalloc(64, GFP_KERNEL)');
      this.expectPunct('(', '"("');
    } else if (after.kind !== 'punct' || after.text !== '(') {
      this.fail(after, '"(" or "="');
    }
    const args: Expr[] = [];
    let close: Tok;
    if (this.lx.peek().kind === 'punct' && this.lx.peek().text === ')') {
      close = this.lx.next();
    } else {
      for (;;) {
        args.push(this.expr(0));
        const t = this.lx.next();
        if (t.kind === 'punct' && t.text === ')') {
          close = t;
          break;
        }
        if (t.kind !== 'punct' || t.text !== ',') this.fail(t, '"," or ")"');
      }
    }
    const s: Stmt = {call: name.text, callPos: this.pos(name.off), args, pos: this.pos(first.off), text: this.src.slice(first.off, close.end).trim()};
    if (target) s.target = target;
    if (cpu !== undefined) s.cpu = cpu;
    if (context !== undefined) s.context = context;
    return s;
  }

  // Precedence as in C: '~' binds tightest, then '&', then '|'.
  private expr(depth: number): Expr {
    return this.binary('or', '|', () => this.binary('and', '&', () => this.unary(depth)));
  }

  private binary(kind: 'or' | 'and', op: string, operand: () => Expr): Expr {
    let left = operand();
    for (;;) {
      const t = this.lx.peek();
      if (t.kind !== 'punct' || t.text !== op) return left;
      this.lx.next();
      this.noString(left, op);
      const right = operand();
      this.noString(right, op);
      left = this.node({kind, left, right, pos: this.pos(t.off)}, t, left, right);
    }
  }

  private unary(depth: number): Expr {
    const t = this.lx.peek();
    if (depth > MAX_EXPR_DEPTH) this.tooDeep(t);
    if (t.kind === 'punct' && t.text === '~') {
      this.lx.next();
      const operand = this.unary(depth + 1);
      this.noString(operand, '~');
      return this.node({kind: 'not', operand, pos: this.pos(t.off)}, t, operand);
    }
    return this.primary(depth);
  }

  // Records a new node's height and refuses trees too tall for the recursive walks (evalExpr, formatExpr).
  private node(e: Expr, t: Tok, ...children: Expr[]): Expr {
    const h = 1 + Math.max(...children.map(c => this.heights.get(c) ?? 0));
    if (h > MAX_EXPR_DEPTH) this.tooDeep(t);
    this.heights.set(e, h);
    return e;
  }

  private primary(depth: number): Expr {
    const t = this.lx.next();
    const pos = this.pos(t.off);
    switch (t.kind) {
      case 'num':
        return {kind: 'num', value: t.num ?? 0n, pos, text: t.text};
      case 'str':
        return {kind: 'str', value: t.str ?? '', pos};
      case 'ident':
        return {kind: 'ident', name: t.text, pos};
      case 'punct':
        if (t.text === '(') {
          const e = this.expr(depth + 1);
          this.expectPunct(')', '")"');
          return e;
        }
    }
    return this.fail(t, EXPECT_EXPR);
  }

  private noString(e: Expr, op: string): void {
    if (e.kind !== 'str') return;
    const shown = JSON.stringify(e.value.length > 40 ? e.value.slice(0, 40) + '…' : e.value);
    throw new KcallFail(this.offOf(e.pos), `found the string ${shown}, expected a number or a name (strings do not combine with ${op})`);
  }

  private tooDeep(t: Tok): never {
    throw new KcallFail(t.off, `found an expression nested deeper than ${MAX_EXPR_DEPTH}, expected a simpler one`);
  }

  private offOf(p: Pos): number {
    return this.lineStarts[p.line - 1] + p.col - 1;
  }
}

/** Parses a source text of kcall statements; the first mistake is returned with its line and column. */
export function parseKcall(src: string): {ok: true; stmts: Stmt[]} | {ok: false; error: KcallError} {
  const p = new Parser(src);
  try {
    return {ok: true, stmts: p.program()};
  } catch (e) {
    if (!(e instanceof KcallFail)) throw e;
    return {ok: false, error: {...p.pos(e.off), message: e.message}};
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation and printing

/** Evaluates an expression to a bigint; `resolve` maps an identifier (a handle or a constant such as GFP_KERNEL) to its value or undefined. */
export function evalExpr(e: Expr, resolve: (name: string) => bigint | undefined): {ok: true; value: bigint} | {ok: false; error: KcallError} {
  try {
    return {ok: true, value: evaluate(e, resolve)};
  } catch (err) {
    if (!(err instanceof EvalFail)) throw err;
    return {ok: false, error: {line: err.pos.line, col: err.pos.col, message: err.message}};
  }
}

class EvalFail {
  constructor(readonly pos: Pos, readonly message: string) {}
}

// '~' works on 64-bit unsigned values, like `unsigned long` on x86_64, so ~0 is 0xffffffffffffffff, not -1.
function evaluate(e: Expr, resolve: (name: string) => bigint | undefined): bigint {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'str':
      throw new EvalFail(e.pos, `found the string ${JSON.stringify(e.value)}, expected a number or a name`);
    case 'ident': {
      const v = resolve(e.name);
      if (v === undefined) throw new EvalFail(e.pos, `unknown name ${e.name}, expected a handle or a constant`);
      return v;
    }
    case 'or':
      return evaluate(e.left, resolve) | evaluate(e.right, resolve);
    case 'and':
      return evaluate(e.left, resolve) & evaluate(e.right, resolve);
    case 'not':
      return BigInt.asUintN(64, ~evaluate(e.operand, resolve));
  }
}

function formatNumber(e: {value: bigint; text?: string}): string {
  if (e.text !== undefined) return e.text;
  return e.value < 0x10000n ? e.value.toString() : '0x' + e.value.toString(16);
}

/** Prints an expression so that parsing it gives the same tree back. */
export function formatExpr(e: Expr): string {
  const wrap = (x: Expr, parens: boolean) => (parens ? `(${formatExpr(x)})` : formatExpr(x));
  switch (e.kind) {
    case 'num':
      return formatNumber(e);
    case 'str':
      return '"' + e.value.replace(/[\\"]/g, c => '\\' + c) + '"';
    case 'ident':
      return e.name;
    case 'or':
      return `${formatExpr(e.left)} | ${wrap(e.right, e.right.kind === 'or')}`;
    case 'and':
      return `${wrap(e.left, e.left.kind === 'or')} & ${wrap(e.right, e.right.kind === 'or' || e.right.kind === 'and')}`;
    case 'not':
      return '~' + wrap(e.operand, e.operand.kind === 'or' || e.operand.kind === 'and');
  }
}

/** Canonical text, e.g. "@cpu1:hardirq p = kmalloc(200, GFP_KERNEL | __GFP_NOWARN)". */
export function formatStmt(s: Stmt): string {
  const where = s.cpu === undefined ? '' : `@cpu${s.cpu}${s.context ? ':' + s.context : ''} `;
  const target = s.target ? `${s.target.name} = ` : '';
  return `${where}${target}${s.call}(${s.args.map(formatExpr).join(', ')})`;
}

/** Rewrites every position in a statement, e.g. from run-text coordinates to scenario-file coordinates. */
export function mapStmtPositions(s: Stmt, f: (p: Pos) => Pos): Stmt {
  const mapExpr = (e: Expr): Expr => {
    switch (e.kind) {
      case 'or':
      case 'and':
        return {...e, left: mapExpr(e.left), right: mapExpr(e.right), pos: f(e.pos)};
      case 'not':
        return {...e, operand: mapExpr(e.operand), pos: f(e.pos)};
      default:
        return {...e, pos: f(e.pos)};
    }
  };
  const out: Stmt = {...s, callPos: f(s.callPos), args: s.args.map(mapExpr), pos: f(s.pos)};
  if (s.target) out.target = {name: s.target.name, pos: f(s.target.pos)};
  return out;
}
