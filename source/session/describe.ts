// The short descriptions a kcall result carries: where an object, a cache or a vmalloc area lives. They read
// the machine's public state; the kernel layer itself formats nothing for the command line.
import type {Machine} from '../kernel/machine.js';
import {PAGE_SIZE} from '../kernel/page-alloc/types.js';

/** "kmalloc-64, slab pfn 0x2345, Node 0", or the kmalloc_large block. */
export function describeObject(m: Machine, addr: bigint): string {
  const pfn = m.virtToPfn(addr);
  if (pfn === undefined) return '';
  const s = m.slab.slabOf(pfn);
  if (s) return `${s.cache.name}, slab pfn 0x${s.pfn.toString(16)}, Node ${s.nid}`;
  return `kmalloc_large order ${m.pa.allocatedOrder(pfn)}, pfn 0x${pfn.toString(16)}, ${m.describePfn(pfn)}`;
}

/** "my_struct: objsize 192, 21 objects per slab of 1 page" */
export function describeCache(m: Machine, ptr: bigint): string {
  const c = m.cacheOf(ptr);
  if (!c) return '';
  return `${c.name}: objsize ${c.size}, ${c.geo.objects} objects per slab of ${1 << c.geo.order} page${c.geo.order ? 's' : ''}`;
}

/** "vmalloc area of 4 pages + guard, pfns 0x1234 0x5678 ...", or the ioremap area's physical range. */
export function describeVmalloc(m: Machine, addr: bigint): string {
  const base = addr - ((addr - m.vm.start) & BigInt(PAGE_SIZE - 1));
  const a = m.vm.areaAt(base);
  if (!a) return '';
  if (a.kind === 'ioremap') return `ioremap area of ${a.ioPages} page${a.ioPages === 1 ? '' : 's'} + guard, phys 0x${a.phys.toString(16)}`;
  const pfns = a.pfns.slice(0, 6).map((p) => '0x' + p.toString(16));
  const more = a.pfns.length > 6 ? ` ... (${a.pfns.length})` : '';
  return `${a.kind} area of ${a.pages - 1} page${a.pages === 2 ? '' : 's'} + guard, pfns ${pfns.join(' ')}${more}`;
}
