// mm/slub.c (6.x before sheaves): each CPU allocates from its own CPU slab; when it runs dry the CPU takes a
// slab from its per-CPU partial list, then from its node's partial list (taking up to cpu_partial_slabs / 2
// more onto its per-CPU list), then a new slab from the buddy allocator. A free into a full slab puts it on
// the freeing CPU's partial list (unfreezing the whole list to the node when it holds cpu_partial_slabs); a
// slab that empties on the node partial list is freed when the node already has min_partial partial slabs.
// Simplified: one freelist per slab (the kernel's lockless c->freelist and slab->freelist are merged, so a
// remote free is seen by the owning CPU at once); no get_any_partial() from remote nodes; no
// kmem_cache_alloc_node(); SLUB keeps no full list, we track one so full slabs can be shown.
import type {ExecContext} from '../context.js';
import {type CacheCpu, type KmemCache, ON_CPU, ON_CPU_PARTIAL, ON_FULL, ON_PARTIAL, type Slab} from './cache.js';
import {NULL_OBJ, type SlabAllocator, type SlabModel} from './slab-allocator.js';

/** SHRINK_PROMOTE_MAX: slabs with up to this many free objects are sorted to the front by kmem_cache_shrink. */
const SHRINK_PROMOTE_MAX = 32;

export class SlubModel implements SlabModel {
  readonly name = 'slub' as const;
  private sa!: SlabAllocator;

  constructor(private readonly cpuNode: Int32Array) {}

  attach(sa: SlabAllocator): void {
    this.sa = sa;
  }

  setup(): void {
    // SLUB has no tunables: slabinfo prints 0 0 0.
  }

  /** slab_alloc_node(): the CPU slab's freelist, else ___slab_alloc(). */
  alloc(c: KmemCache, ctx: ExecContext, gfp: number): number {
    const cc = c.cpus[ctx.cpu];
    const s = cc.slab;
    if (s !== null && s.nfree > 0) return this.sa.takeObject(s);
    return this.slowAlloc(c, cc, ctx, gfp);
  }

  /** ___slab_alloc() */
  private slowAlloc(c: KmemCache, cc: CacheCpu, ctx: ExecContext, gfp: number): number {
    if (cc.slab) {
      const old = cc.slab;
      cc.slab = null;
      this.deactivateSlab(c, old, ctx);
    }
    let s = cc.partial.head;
    if (s) cc.partial.remove(s);
    else s = this.getPartialNode(c, cc, this.cpuNode[ctx.cpu] ?? 0);
    if (!s) s = this.sa.newSlab(c, ctx, gfp, this.cpuNode[ctx.cpu] ?? 0);
    if (!s) return NULL_OBJ;
    s.place = ON_CPU;
    s.cpu = cc.cpu;
    cc.slab = s;
    return this.sa.takeObject(s);
  }

  /** get_partial_node(): the first slab for the CPU, more onto its partial list up to half its budget. */
  private getPartialNode(c: KmemCache, cc: CacheCpu, nid: number): Slab | null {
    const n = c.nodes[nid];
    let first: Slab | null = null;
    let partialSlabs = 0;
    for (let s = n.partial.head; s; ) {
      const next: Slab | null = s.next;
      n.partial.remove(s);
      if (!first) {
        first = s;
        if (c.geo.cpuPartialSlabs === 0) break;
      } else {
        cc.partial.add(s);
        s.cpu = cc.cpu;
        if (++partialSlabs > c.geo.cpuPartialSlabs / 2) break;
      }
      s = next;
    }
    return first;
  }

  /** deactivate_slab(): a CPU slab goes back to its node: freed if empty and the node has enough partials. */
  private deactivateSlab(c: KmemCache, s: Slab, ctx: ExecContext): void {
    s.cpu = -1;
    const n = c.nodes[s.nid];
    if (s.inuse === 0 && n.partial.count >= c.geo.minPartial) this.sa.discardSlab(s, ctx);
    else if (s.nfree > 0) n.partial.add(s, true);
    else n.full.add(s);
  }

  /** __slab_free() after the object is back on the slab's freelist. */
  free(c: KmemCache, s: Slab, idx: number, ctx: ExecContext): void {
    const wasFull = s.nfree === 0;
    this.sa.putObject(s, idx);
    if (s.place === ON_CPU || s.place === ON_CPU_PARTIAL) return; // frozen: the CPU owns it
    const n = c.nodes[s.nid];
    if (wasFull && s.place === ON_FULL) {
      n.full.remove(s);
      if (c.geo.cpuPartialSlabs > 0) {
        this.putCpuPartial(c, c.cpus[ctx.cpu], s, ctx);
        return;
      }
      if (s.inuse === 0 && n.partial.count >= c.geo.minPartial) {
        this.sa.discardSlab(s, ctx);
        return;
      }
      n.partial.add(s, true);
      return;
    }
    if (s.place === ON_PARTIAL && s.inuse === 0 && n.partial.count >= c.geo.minPartial) {
      n.partial.remove(s);
      this.sa.discardSlab(s, ctx);
    }
  }

  /** put_cpu_partial(): a full list is unfrozen to the node first, then the slab starts a new one. */
  private putCpuPartial(c: KmemCache, cc: CacheCpu, s: Slab, ctx: ExecContext): void {
    if (cc.partial.count >= c.geo.cpuPartialSlabs) this.putPartials(c, cc, ctx);
    cc.partial.add(s);
    s.cpu = cc.cpu;
  }

  /** __put_partials(): the CPU's partial slabs to their nodes; empty ones beyond min_partial are freed. */
  private putPartials(c: KmemCache, cc: CacheCpu, ctx: ExecContext): void {
    for (let s = cc.partial.head; s; ) {
      const next: Slab | null = s.next;
      cc.partial.remove(s);
      s.cpu = -1;
      const n = c.nodes[s.nid];
      if (s.inuse === 0 && n.partial.count >= c.geo.minPartial) this.sa.discardSlab(s, ctx);
      else n.partial.add(s, true);
      s = next;
    }
  }

  /** flush_all(): every CPU's slab and partial list back to the nodes. */
  flush(c: KmemCache, ctx: ExecContext): void {
    for (const cc of c.cpus) {
      if (cc.slab) {
        const s = cc.slab;
        cc.slab = null;
        this.deactivateSlab(c, s, ctx);
      }
      this.putPartials(c, cc, ctx);
    }
  }

  /** __kmem_cache_do_shrink(): flush, free every empty partial slab, fullest slabs first on the list. */
  shrink(c: KmemCache, ctx: ExecContext): number {
    this.flush(c, ctx);
    let freed = 0;
    for (const n of c.nodes) {
      const keep: Slab[] = [];
      for (const s of [...n.partial]) {
        n.partial.remove(s);
        if (s.inuse === 0) {
          this.sa.discardSlab(s, ctx);
          freed++;
        } else keep.push(s);
      }
      const promoted = keep.filter((s) => s.nfree <= SHRINK_PROMOTE_MAX).sort((a, b) => a.nfree - b.nfree);
      for (const s of [...promoted, ...keep.filter((s) => s.nfree > SHRINK_PROMOTE_MAX)]) n.partial.add(s, true);
    }
    return freed;
  }

  tick(): void {
    // SLUB has no periodic reaping.
  }
}
