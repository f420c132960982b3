import fc from 'fast-check';
import {describe, expect, test} from 'vitest';
import {CONTEXTS, evalExpr, formatExpr, formatStmt, parseKcall, parseNumber} from '../../source/scenario/kcall.js';
import type {Expr, KcallError, Stmt} from '../../source/scenario/kcall.js';

function parse(src: string): Stmt[] {
  const r = parseKcall(src);
  if (!r.ok) throw new Error(`unexpected error ${r.error.line}:${r.error.col}: ${r.error.message}`);
  return r.stmts;
}

function parseError(src: string): string {
  const r = parseKcall(src);
  if (r.ok) throw new Error(`expected an error for ${src}`);
  return `${r.error.line}:${r.error.col}: ${r.error.message}`;
}

function one(src: string): Stmt {
  const stmts = parse(src);
  expect(stmts).toHaveLength(1);
  return stmts[0];
}

const CONSTANTS: Record<string, bigint> = {GFP_KERNEL: 0xcc0n, GFP_ATOMIC: 0xa20n, __GFP_NOWARN: 0x2000n, __GFP_DIRECT_RECLAIM: 0x400n, GFP_DMA: 0x1n};
const resolve = (name: string) => CONSTANTS[name];

function value(src: string, lookup: (name: string) => bigint | undefined = resolve): bigint {
  const r = evalExpr(one(`f(${src})`).args[0], lookup);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** An expression tree without positions, to compare shapes. */
function shape(e: Expr): unknown {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'str':
      return {str: e.value};
    case 'ident':
      return e.name;
    case 'not':
      return ['~', shape(e.operand)];
    case 'or':
      return [shape(e.left), '|', shape(e.right)];
    case 'and':
      return [shape(e.left), '&', shape(e.right)];
  }
}

describe('the examples of the language', () => {
  test('p = kmalloc(200, GFP_KERNEL)', () => {
    const s = one('p = kmalloc(200, GFP_KERNEL)');
    expect(s).toEqual({
      target: {name: 'p', pos: {line: 1, col: 1}},
      call: 'kmalloc',
      callPos: {line: 1, col: 5},
      args: [
        {kind: 'num', value: 200n, pos: {line: 1, col: 13}, text: '200'},
        {kind: 'ident', name: 'GFP_KERNEL', pos: {line: 1, col: 18}},
      ],
      pos: {line: 1, col: 1},
      text: 'p = kmalloc(200, GFP_KERNEL)',
    });
  });

  test('kfree(p) has no target, CPU or context', () => {
    const s = one('kfree(p)');
    expect(s.target).toBeUndefined();
    expect(s.cpu).toBeUndefined();
    expect(s.context).toBeUndefined();
    expect(s.call).toBe('kfree');
    expect(s.args.map(shape)).toEqual(['p']);
  });

  test('pg = alloc_pages_node(1, GFP_KERNEL | __GFP_NOWARN, 3)', () => {
    const s = one('pg = alloc_pages_node(1, GFP_KERNEL | __GFP_NOWARN, 3)');
    expect(s.target?.name).toBe('pg');
    expect(s.args.map(shape)).toEqual([1n, ['GFP_KERNEL', '|', '__GFP_NOWARN'], 3n]);
    expect(s.args[1].pos).toEqual({line: 1, col: 37});
  });

  test('__free_pages(pg, 3)', () => {
    expect(one('__free_pages(pg, 3)').args.map(shape)).toEqual(['pg', 3n]);
  });

  test('two statements separated by ";"', () => {
    const [a, b] = parse('a = __get_free_pages(GFP_DMA, 2); free_pages(a, 2)');
    expect(a.text).toBe('a = __get_free_pages(GFP_DMA, 2)');
    expect(b.text).toBe('free_pages(a, 2)');
    expect(b.pos).toEqual({line: 1, col: 35});
    expect(b.args.map(shape)).toEqual(['a', 2n]);
  });

  test('c = kmem_cache_create("my_struct", 192, 8, SLAB_HWCACHE_ALIGN)', () => {
    const s = one('c = kmem_cache_create("my_struct", 192, 8, SLAB_HWCACHE_ALIGN)');
    expect(s.args.map(shape)).toEqual([{str: 'my_struct'}, 192n, 8n, 'SLAB_HWCACHE_ALIGN']);
  });

  test('v = vmalloc(1M)', () => {
    const s = one('v = vmalloc(1M)');
    expect(s.args[0]).toMatchObject({kind: 'num', value: 1048576n});
    expect(formatStmt(s)).toBe('v = vmalloc(1M)');
  });

  test('x = alloc_pages(GFP_KERNEL & ~__GFP_DIRECT_RECLAIM, 0x2)', () => {
    const s = one('x = alloc_pages(GFP_KERNEL & ~__GFP_DIRECT_RECLAIM, 0x2)');
    expect(s.args.map(shape)).toEqual([['GFP_KERNEL', '&', ['~', '__GFP_DIRECT_RECLAIM']], 2n]);
    expect(evalExpr(s.args[0], resolve)).toEqual({ok: true, value: 0xcc0n & ~0x400n});
  });

  test('@cpu1:hardirq names the CPU and the context; the comment is dropped', () => {
    const s = one('@cpu1:hardirq b = kmalloc(64, GFP_ATOMIC)     # runs on CPU 1 in hardirq context');
    expect(s).toMatchObject({cpu: 1, context: 'hardirq', target: {name: 'b', pos: {line: 1, col: 15}}, call: 'kmalloc'});
    expect(s.pos).toEqual({line: 1, col: 1});
    expect(s.text).toBe('@cpu1:hardirq b = kmalloc(64, GFP_ATOMIC)');
  });

  test('@cpu0 with a direct-map address beyond 2^53', () => {
    const s = one('@cpu0 free_pages(0xffff888000100000, 0)');
    expect(s.cpu).toBe(0);
    expect(s.context).toBeUndefined();
    expect(s.args[0]).toMatchObject({kind: 'num', value: 0xffff888000100000n});
    expect(value('0xffff888000100000') > 2n ** 53n).toBe(true);
    expect(value('0xffff888000100000').toString(16)).toBe('ffff888000100000');
  });

  test.each(CONTEXTS)('context %s', ctx => {
    expect(one(`@cpu3:${ctx} kfree(p)`)).toMatchObject({cpu: 3, context: ctx});
  });

  test('spaces around @cpu and ":" are allowed', () => {
    expect(one('  @cpu12 : softirq   kfree ( p )  ')).toMatchObject({cpu: 12, context: 'softirq', text: '@cpu12 : softirq   kfree ( p )'});
  });

  test('a call without arguments', () => {
    expect(one('dump()').args).toEqual([]);
  });
});

describe('numbers', () => {
  test.each([
    ['4096', 4096n],
    ['0x1000', 4096n],
    ['0X1000', 4096n],
    ['4K', 4096n],
    ['4k', 4096n],
    ['3KiB', 3072n],
    ['1M', 1n << 20n],
    ['1m', 1n << 20n],
    ['2MiB', 2n << 20n],
    ['2G', 2n << 30n],
    ['2g', 2n << 30n],
    ['1GiB', 1n << 30n],
    ['0x10K', 16n << 10n],
    ['0', 0n],
    ['0xffffffffffffffff', (1n << 64n) - 1n],
    ['0xfg', 0xfn << 30n], // as memparse reads it: 0xf, then the suffix g
  ])('%s is %s', (text, expected) => {
    expect(parseNumber(text)).toBe(expected);
    expect(value(text)).toBe(expected);
  });

  test.each(['4KB', '4Ki', '1T', '1.5', '0x', '12abc', '0xfz', '4 K'])('%s is not a number', text => {
    expect(parseNumber(text)).toBeUndefined();
  });

  test('a malformed number is reported whole, at its start', () => {
    expect(parseError('kmalloc(1.5)')).toBe('1:9: found "1.5", expected a number such as 4096, 0x1000 or 4K');
    expect(parseError('kmalloc(4KB, GFP_KERNEL)')).toBe('1:9: found "4KB", expected a number such as 4096, 0x1000 or 4K');
    expect(parseError('kmalloc(0x)')).toBe('1:9: found "0x", expected a number such as 4096, 0x1000 or 4K');
  });

  test('numbers stop at 64 bits', () => {
    expect(parseError('f(0x10000000000000000)')).toBe('1:3: found "0x10000000000000000", expected a number below 2^64');
    expect(parseError('f(17179869184G)')).toBe('1:3: found "17179869184G", expected a number below 2^64');
    expect(value('17179869183G')).toBe(17179869183n << 30n);
  });
});

describe('expressions', () => {
  test('& binds tighter than |', () => {
    expect(shape(one('f(a | b & c)').args[0])).toEqual(['a', '|', ['b', '&', 'c']]);
    expect(shape(one('f(a & b | c)').args[0])).toEqual([['a', '&', 'b'], '|', 'c']);
    expect(value('1 | 2 & 3')).toBe(3n);
    expect(value('(1 | 2) & 1')).toBe(1n);
  });

  test('~ binds tighter than & and |', () => {
    expect(shape(one('f(~a & b)').args[0])).toEqual([['~', 'a'], '&', 'b']);
    expect(shape(one('f(~(a | b))').args[0])).toEqual(['~', ['a', '|', 'b']]);
    expect(shape(one('f(~~a)').args[0])).toEqual(['~', ['~', 'a']]);
  });

  test('| and & are left-associative', () => {
    expect(shape(one('f(a | b | c)').args[0])).toEqual([['a', '|', 'b'], '|', 'c']);
    expect(shape(one('f(a & b & c)').args[0])).toEqual([['a', '&', 'b'], '&', 'c']);
  });

  test('~ works on 64-bit unsigned values', () => {
    expect(value('~0')).toBe((1n << 64n) - 1n);
    expect(value('~1')).toBe((1n << 64n) - 2n);
    expect(value('~0 & 0xff')).toBe(0xffn);
    expect(value('~~5')).toBe(5n);
  });

  test('flags combine with the resolver', () => {
    expect(value('GFP_KERNEL | __GFP_NOWARN')).toBe(0x2cc0n);
    expect(value('(GFP_KERNEL | __GFP_NOWARN) & ~__GFP_DIRECT_RECLAIM')).toBe(0x28c0n);
  });

  test('the resolver gives handles their values', () => {
    const handles = new Map([['pg', 0xffff888000100000n]]);
    expect(value('pg', n => handles.get(n))).toBe(0xffff888000100000n);
  });

  test('strings keep their escapes', () => {
    expect(one('f("a \\"b\\" c\\\\d")').args[0]).toMatchObject({kind: 'str', value: 'a "b" c\\d'});
    expect(one('f("# not a comment; nor a separator")').args[0]).toMatchObject({value: '# not a comment; nor a separator'});
  });
});

describe('statements, separators and comments', () => {
  test('newlines, ";", blank lines and both comment styles', () => {
    const src = ['# a whole-line comment', '', 'p = kmalloc(64, GFP_KERNEL) // trailing', '   ', 'kfree(p); q = kmalloc(8, GFP_KERNEL);;', '// last', 'kfree(q) # done'].join('\n');
    const stmts = parse(src);
    expect(stmts.map(formatStmt)).toEqual(['p = kmalloc(64, GFP_KERNEL)', 'kfree(p)', 'q = kmalloc(8, GFP_KERNEL)', 'kfree(q)']);
    expect(stmts.map(s => s.pos)).toEqual([
      {line: 3, col: 1},
      {line: 5, col: 1},
      {line: 5, col: 11},
      {line: 7, col: 1},
    ]);
  });

  test('an empty text and a text of comments hold no statements', () => {
    expect(parse('')).toEqual([]);
    expect(parse('\n\n  # nothing\n;;\n')).toEqual([]);
  });

  test('CRLF line ends', () => {
    expect(parse('kfree(a)\r\nkfree(b)\r\n').map(s => s.text)).toEqual(['kfree(a)', 'kfree(b)']);
  });

  test('a newline ends a statement, even inside parentheses', () => {
    expect(parseError('kmalloc(64,\n GFP_KERNEL)')).toBe('1:12: found the end of the line, expected an expression (a number, a name or a string)');
  });
});

describe('formatStmt', () => {
  test('canonical spacing', () => {
    expect(formatStmt(one('  p=kmalloc( 200 ,GFP_KERNEL|__GFP_NOWARN )'))).toBe('p = kmalloc(200, GFP_KERNEL | __GFP_NOWARN)');
    expect(formatStmt(one('@cpu1:hardirq   b=kmalloc(64,GFP_ATOMIC)'))).toBe('@cpu1:hardirq b = kmalloc(64, GFP_ATOMIC)');
    expect(formatStmt(one('@cpu0 free_pages(0xffff888000100000,0)'))).toBe('@cpu0 free_pages(0xffff888000100000, 0)');
  });

  test('parentheses only where precedence needs them', () => {
    expect(formatStmt(one('f(((a)) | (b & c))'))).toBe('f(a | b & c)');
    expect(formatStmt(one('f((a | b) & ~(c | d) & ~e)'))).toBe('f((a | b) & ~(c | d) & ~e)');
    expect(formatStmt(one('f(a | (b | c))'))).toBe('f(a | (b | c))');
    expect(formatStmt(one('c = kmem_cache_create("my \\"x\\"", 1K)'))).toBe('c = kmem_cache_create("my \\"x\\"", 1K)');
  });

  test('numbers built in code are printed in decimal, or in hex when large', () => {
    expect(formatExpr({kind: 'num', value: 4096n, pos: {line: 1, col: 1}})).toBe('4096');
    expect(formatExpr({kind: 'num', value: 0xffff888000100000n, pos: {line: 1, col: 1}})).toBe('0xffff888000100000');
  });

  test('printing then parsing gives the same tree (property)', () => {
    const pos = {line: 1, col: 1};
    const leaf = fc.oneof(
      fc.bigInt({min: 0n, max: (1n << 64n) - 1n}).map((value): Expr => ({kind: 'num', value, pos})),
      fc.constantFrom('GFP_KERNEL', 'p', '_x9').map((name): Expr => ({kind: 'ident', name, pos})),
    );
    const expr = fc.letrec<{e: Expr}>(tie => ({
      e: fc.oneof(
        {depthSize: 'small', withCrossShrink: true},
        leaf,
        tie('e').map((operand): Expr => ({kind: 'not', operand, pos})),
        fc.tuple(fc.constantFrom('or' as const, 'and' as const), tie('e'), tie('e')).map(([kind, left, right]): Expr => ({kind, left, right, pos})),
      ),
    })).e;
    const str = fc.string().map((value): Expr => ({kind: 'str', value: value.replace(/\n/g, ' '), pos}));
    fc.assert(
      fc.property(fc.array(fc.oneof(expr, str), {maxLength: 4}), fc.option(fc.nat(64)), fc.constantFrom(...CONTEXTS, undefined), (args, cpu, context) => {
        const s: Stmt = {call: 'f', callPos: pos, args, pos, text: ''};
        if (cpu !== null) {
          s.cpu = cpu;
          if (context) s.context = context;
        }
        const again = one(formatStmt(s));
        expect(again.args.map(shape)).toEqual(args.map(shape));
        expect(formatStmt(again)).toBe(formatStmt(s));
      }),
    );
  });
});

describe('errors: what was found, what was expected, and where', () => {
  test.each([
    ['kmalloc(200, )', '1:14: found ")", expected an expression (a number, a name or a string)'],
    ['kmalloc(1.5)', '1:9: found "1.5", expected a number such as 4096, 0x1000 or 4K'],
    ['c = kmem_cache_create("my_struct, 192)', '1:23: unterminated string, expected a closing "'],
    ['f("abc\\', '1:3: unterminated string, expected a closing "'],
    ['f("a\nb")', '1:3: unterminated string, expected a closing "'],
    ['f("a\\nb")', '1:5: found the escape \\n in a string, expected \\" or \\\\'],
    ['@cpu kfree(p)', '1:1: found "@cpu", expected a CPU number as in @cpu1'],
    ['@cpu:hardirq kfree(p)', '1:1: found "@cpu", expected a CPU number as in @cpu1'],
    ['@cpux kfree(p)', '1:1: found "@cpux", expected a CPU number as in @cpu1'],
    ['@foo kfree(p)', '1:1: found "@foo", expected a CPU number as in @cpu1'],
    ['@cpu1:irq kfree(p)', '1:7: found "irq", expected a context: process, softirq or hardirq'],
    ['@cpu1: kfree(p)', '1:8: found "kfree", expected a context: process, softirq or hardirq'],
    ['@cpu1:', '1:7: found the end of the line, expected a context: process, softirq or hardirq'],
    ['@cpu1:hardirq', '1:14: found the end of the line, expected a call, as in p = kmalloc(64, GFP_KERNEL)'],
    ['kfree(p) @cpu1 kfree(q)', '1:10: found "@cpu1", expected the end of the statement (a new line or ";")'],
    ['kfree(p) kfree(q)', '1:10: found "kfree", expected the end of the statement (a new line or ";")'],
    ['p kmalloc(8)', '1:3: found "kmalloc", expected "(" or "="'],
    ['p', '1:2: found the end of the line, expected "(" or "="'],
    ['p = 5', '1:5: found "5", expected a function name, as in p = kmalloc(64, GFP_KERNEL)'],
    ['p = q', '1:6: found the end of the line, expected "("'],
    ['200', '1:1: found "200", expected a call, as in p = kmalloc(64, GFP_KERNEL)'],
    ['= kmalloc(8)', '1:1: found "=", expected a call, as in p = kmalloc(64, GFP_KERNEL)'],
    ['kfree(p', '1:8: found the end of the line, expected "," or ")"'],
    ['kfree(p q)', '1:9: found "q", expected "," or ")"'],
    ['kfree((p)', '1:10: found the end of the line, expected "," or ")"'],
    ['kfree((p, q)', '1:9: found ",", expected ")"'],
    ['kfree(p $ q)', '1:9: found "$", expected "," or ")"'],
    ['kfree(p / q)', '1:9: found "/", expected "," or ")"'],
    ['kfree(|p)', '1:7: found "|", expected an expression (a number, a name or a string)'],
    ['kfree(p |)', '1:10: found ")", expected an expression (a number, a name or a string)'],
    ['kfree(~)', '1:8: found ")", expected an expression (a number, a name or a string)'],
    ['kfree("x" "y")', '1:11: found the string "y", expected "," or ")"'],
    ['f(GFP_KERNEL | "x")', '1:16: found the string "x", expected a number or a name (strings do not combine with |)'],
    ['f("x" & 1)', '1:3: found the string "x", expected a number or a name (strings do not combine with &)'],
    ['f(~"x")', '1:4: found the string "x", expected a number or a name (strings do not combine with ~)'],
    ['f(1 | ("x"))', '1:8: found the string "x", expected a number or a name (strings do not combine with |)'],
    ['kfree(p)\n\n  kmalloc(64, GFP_KERNEL) x', '3:27: found "x", expected the end of the statement (a new line or ";")'],
    ['kfree(p); kfree(1.5)', '1:17: found "1.5", expected a number such as 4096, 0x1000 or 4K'],
  ])('%j', (src, expected) => {
    expect(parseError(src)).toBe(expected);
  });

  test('the first mistake in the text wins', () => {
    expect(parseError('kfree(p q) "unterminated')).toBe('1:9: found "q", expected "," or ")"');
    expect(parseError('f("x" | 1.5)')).toBe('1:3: found the string "x", expected a number or a name (strings do not combine with |)');
  });

  test('unknown names are found when evaluating, at the name', () => {
    const s = one('p = kmalloc(64, GFP_KERNEL | FOO)');
    expect(evalExpr(s.args[1], resolve)).toEqual({ok: false, error: {line: 1, col: 30, message: 'unknown name FOO, expected a handle or a constant'}});
  });

  test('a string is not a number', () => {
    const s = one('kmalloc("x")');
    expect(evalExpr(s.args[0], resolve)).toEqual({ok: false, error: {line: 1, col: 9, message: 'found the string "x", expected a number or a name'}});
  });

  test('deep nesting is refused, not a stack overflow', () => {
    const deep = parseKcall(`f(${'('.repeat(100_000)}1${')'.repeat(100_000)})`);
    expect(deep.ok).toBe(false);
    const long = parseKcall(`f(${'a | '.repeat(100_000)}a)`);
    expect(long.ok).toBe(false);
    const nots = parseKcall(`f(${'~'.repeat(100_000)}a)`);
    expect(nots.ok).toBe(false);
    if (!long.ok) expect(long.error.message).toBe('found an expression nested deeper than 256, expected a simpler one');
    expect(parseKcall(`f(${'a | '.repeat(200)}a)`).ok).toBe(true);
  });

  test('any text gives statements or one error with a position inside it (property)', () => {
    const alphabet = fc.constantFrom(...'pkmalloc(),|&~ =;#/"\\@cpu1:hardirq\n0x4KMG.$é'.split(''));
    const texts = fc.oneof(fc.string(), fc.string({unit: alphabet}), fc.string({unit: 'grapheme'}));
    fc.assert(
      fc.property(texts, src => {
        const r = parseKcall(src);
        if (r.ok) return;
        const e: KcallError = r.error;
        const lines = src.split('\n');
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(lines.length);
        expect(e.col).toBeGreaterThanOrEqual(1);
        expect(e.col).toBeLessThanOrEqual(lines[e.line - 1].length + 1);
        expect(e.message).not.toContain('\n');
      }),
      {numRuns: 2000},
    );
  });
});
