// The slab calls through the kcall language, as a scenario or the command line uses them.
import {describe, expect, test} from 'vitest';
import {check} from '../source/kernel/check.js';
import {freeListSnapshot} from '../source/kernel/free-blocks.js';
import {parseKcall} from '../source/scenario/kcall.js';
import {checkStmt, execStmt} from '../source/session/kcall-exec.js';
import {boot, G} from './helpers.js';

function run(src: string, opts: {memory?: number; cpus?: number; slab?: 'slub' | 'slab'} = {}) {
  const m = boot({memory: opts.memory ?? 1 * G, cpus: opts.cpus ?? 2, slab: opts.slab});
  const env = new Map<string, bigint>();
  const p = parseKcall(src);
  if (!p.ok) throw new Error(p.error.message);
  const out = p.stmts.map((s) => {
    const r = execStmt(m, s, env, {cpu: 0, context: 'process', comm: 'kcall'});
    if (!r.ok) throw new Error(`${r.error.line}:${r.error.col}: ${r.error.message}`);
    return r.text;
  });
  return {m, env, out};
}

describe('slab kcalls', () => {
  test('kmem_cache_create with a string name, alloc, free, shrink, destroy', () => {
    const {out, env, m} = run(`
      c = kmem_cache_create("my_struct", 192, 8, SLAB_HWCACHE_ALIGN)
      o = kmem_cache_alloc(c, GFP_KERNEL)
      kmem_cache_free(c, o)
      kmem_cache_shrink(c)
      kmem_cache_destroy(c)
    `);
    expect(out[0]).toMatch(/^c = \(struct kmem_cache \*\)0xffffffff830[0-9a-f]+  my_struct: objsize 192, 21 objects per slab of 1 page$/);
    expect(out[1]).toMatch(/^o = 0xffff888[0-9a-f]+  my_struct, slab pfn 0x[0-9a-f]+, Node 0$/);
    expect(out.slice(2)).toEqual(['freed the object', 'freed 1 empty slabs', 'destroyed']);
    expect(m.cacheOf(env.get('c')!)).toBeUndefined();
  });

  test('kmalloc family results, ZERO_SIZE_PTR and NULL', () => {
    const {out} = run(`
      a = kmalloc(5000, GFP_ATOMIC)
      b = kzalloc(0, GFP_KERNEL)
      n = ksize(a)
      big = kmalloc(8M, GFP_KERNEL | __GFP_NOWARN)
      r = krealloc(a, 9000, GFP_KERNEL)
      kfree(r)
      kfree(b)
      kfree(NULL)
    `);
    expect(out[0]).toMatch(/^a = 0xffff888[0-9a-f]+  kmalloc-8k, slab pfn/);
    expect(out[1]).toBe('b = ZERO_SIZE_PTR (0x10)');
    expect(out[2]).toBe('n = 8192');
    expect(out[3]).toBe('big = NULL');
    expect(out[4]).toMatch(/^r = 0xffff888[0-9a-f]+  kmalloc_large order 2, pfn/);
    expect(out.slice(5)).toEqual(['freed the object', 'nothing to free', 'nothing to free']);
  });

  test('a double free through kcall is refused and logged', () => {
    const {out, m} = run('p = kmalloc(64, GFP_KERNEL); kfree(p); kfree(p)');
    expect(out[2]).toBe('refused (see the kernel log)');
    expect(m.events.all().at(-1)!.text).toBe('BUG kmalloc-64 (Not tainted): Object already free');
  });

  test('the classic SLAB model answers the same calls', () => {
    const {out} = run('c = kmem_cache_create("s", 100, 0, 0); o = kmem_cache_alloc(c, GFP_KERNEL); kmem_cache_free(c, o)', {slab: 'slab'});
    expect(out[2]).toBe('freed the object');
  });

  test('a name where a string belongs, and a string where a number belongs, are caught before running', () => {
    const p = parseKcall('c = kmem_cache_create(foo, 192, 8, 0)');
    if (!p.ok) throw new Error('parse');
    expect(checkStmt(p.stmts[0], new Set(), 2)?.message).toBe('found foo, expected a string in double quotes for name');
    const q = parseKcall('p = kmalloc("64", GFP_KERNEL)');
    if (!q.ok) throw new Error('parse');
    expect(checkStmt(q.stmts[0], new Set(), 2)?.message).toBe('found a string, expected a number or a name');
  });
});

describe('what a user can type never breaks the machine', () => {
  test('a call named after an Object member is an unknown call, not a crash', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const p = parseKcall(`x = ${name}(1)`);
      if (!p.ok) throw new Error('parse');
      expect(checkStmt(p.stmts[0], new Set(), 2)?.message).toMatch(new RegExp(`^unknown call ${name}, expected one of`));
    }
  });

  test('huge and negative arguments are refused the kernel way', () => {
    const {out, m} = run(`
      a = kmalloc(~0, GFP_KERNEL | __GFP_NOWARN)
      b = kmalloc(0x8000000000000000, GFP_KERNEL | __GFP_NOWARN)
      c = kvmalloc(~0, GFP_KERNEL | __GFP_NOWARN)
      d = ioremap(~0, 4096)
      e = vmalloc_node(4096, ~4)
      f = kmem_cache_create("x", 4M, 0, SLAB_TYPESAFE_BY_RCU)
      g = kmem_cache_create("y", 8, 0x300000000, 0)
      h = vmalloc(~0)
    `);
    expect(out).toEqual(['a = NULL', 'b = NULL', 'c = NULL', 'd = NULL', 'e = NULL', 'f = NULL', 'g = NULL', 'h = NULL']);
    expect(m.events.all().some((e) => e.detail.some((d) => d.startsWith('ioremap: invalid physical address')))).toBe(true);
  });

  test('__free_pages of a page that belongs to the slab or vmalloc is a bad page state and changes nothing', () => {
    const {out, m, env} = run(`
      p = kmalloc(64, GFP_KERNEL)
      v = vmalloc(4096)
    `);
    expect(out).toHaveLength(2);
    const before = freeListSnapshot(m);
    const bad = m.events.all().length;
    // free_pages() of the slab page, and __free_pages() of the vmalloc area's page.
    expect(m.freePagesAddr(m.ctx(), env.get('p')! & ~0xfffn, 0)).toBe(false);
    expect(m.freePagesPfn(m.ctx(), m.vm.areaAt(env.get('v')!)!.pfns[0], 0)).toBe(false);
    const reports = m.events.all().slice(bad).map((e) => e.detail[1]);
    expect(reports).toEqual([
      'page dumped because: PageSlab: a slab page (kfree or kmem_cache_free frees its objects)',
      'page dumped because: a vmalloc page (vfree frees it)',
    ]);
    expect(freeListSnapshot(m)).toBe(before);
    expect(check(m)).toEqual([]);
  });

  test('kmalloc_large above 4 GiB of RAM gives the right address (no 32-bit shift)', () => {
    const {env, m} = run('a = kmalloc(20000, GFP_KERNEL); b = kmalloc(20000, GFP_KERNEL)', {memory: 8 * G});
    const a = env.get('a')!;
    expect(m.virtToPfn(a)).toBe(0x100000);
    expect(m.kfree(m.ctx(), a)).toBe(true);
  });
});
