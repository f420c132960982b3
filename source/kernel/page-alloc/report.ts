// The page allocator's reports to the kernel log: bad_page() when a free finds a page in the wrong state, BUG()
// and WARN() splats, __might_sleep()'s "sleeping function called from invalid context", and warn_alloc()'s
// "page allocation failure" with show_free_areas()'s buddy summary of each zone the caller could use.
//
// We model the first lines of each report as the kernel prints them, pushed to the machine's EventLog at the
// tick given, for the CPU of the calling context.
// Ratelimited as the kernel does: warn_alloc() at most once in 10 s (nopage_rs), __might_resched() once a second.
// Simplified: no stack traces or register dumps; pid is always 0.
import {commOf, type ExecContext} from '../context.js';
import {type EventLog, TICKS_PER_SECOND} from '../events.js';
import {formatMode} from '../gfp.js';
import type {PgNode} from './allocator.js';
import {MIGRATETYPE_LETTERS, NR_MIGRATETYPES, NR_ORDERS} from './types.js';
import type {Zone} from './zone.js';

/** bad_page(): "BUG: Bad page state", with the reason free_pages_prepare() found. */
export function badPage(log: EventLog, tick: number, ctx: ExecContext, pfn: number, why: string): void {
  const hex = pfn < 0 ? '-' + (-pfn).toString(16) : pfn.toString(16).padStart(5, '0');
  log.push(tick, ctx.cpu, 'bug', `BUG: Bad page state in process ${commOf(ctx)}  pfn:${hex}`, [
    `page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x${pfn.toString(16)}`,
    `page dumped because: ${why}`,
  ]);
}

/** BUG() / VM_BUG_ON(): "kernel BUG at file!". */
export function bugSplat(log: EventLog, tick: number, ctx: ExecContext, where: string, what: string): void {
  log.push(tick, ctx.cpu, 'bug', `kernel BUG at ${where}!`, [what, `CPU: ${ctx.cpu} Comm: ${commOf(ctx)}`]);
}

/** WARN_ON() in mm/page_alloc.c. */
export function warnSplat(log: EventLog, tick: number, ctx: ExecContext, what: string, fn: string): void {
  log.push(tick, ctx.cpu, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/page_alloc.c ${fn}`, [what, `Comm: ${commOf(ctx)}`]);
}

/**
 * __might_sleep() (CONFIG_DEBUG_ATOMIC_SLEEP, as debug kernels have it): "BUG: sleeping function called from
 * invalid context". It only warns: the caller goes on.
 */
export function sleepingInAtomic(log: EventLog, tick: number, ctx: ExecContext, where: string): void {
  if (!log.ratelimit('__might_resched', tick, ctx.cpu, TICKS_PER_SECOND, 1, false)) return;
  log.push(tick, ctx.cpu, 'bug', `BUG: sleeping function called from invalid context at ${where}`, [
    `in_atomic(): 1, irqs_disabled(): ${ctx.context === 'hardirq' ? 1 : 0}, non_block: 0, pid: 0, name: ${commOf(ctx)}`,
    `preempt_count: ${ctx.context === 'hardirq' ? '10001' : '101'}, expected: 0`,
  ]);
}

/**
 * __schedule_bug(): an allocation from interrupt context that would now enter direct reclaim and sleep. The
 * emulator then goes on without reclaim; a real kernel schedules in atomic context and may deadlock.
 * Simplified: ratelimited to once a second (the kernel prints each time, but seldom lives long after).
 */
export function schedulingWhileAtomic(log: EventLog, tick: number, ctx: ExecContext): void {
  if (!log.ratelimit('__schedule_bug', tick, ctx.cpu, TICKS_PER_SECOND, 1, false)) return;
  log.push(tick, ctx.cpu, 'bug', `BUG: scheduling while atomic: ${commOf(ctx)}/0/0x${ctx.context === 'hardirq' ? '00010001' : '00000101'}`, [
    'the allocation would enter direct reclaim and sleep in interrupt context; the emulator goes on without',
    'reclaim - a real kernel schedules here and may deadlock',
    `CPU: ${ctx.cpu} Comm: ${commOf(ctx)}`,
  ]);
}

/** warn_alloc(): the failure line, then show_free_areas()'s buddy summary of each zone the caller could use. */
export function warnAlloc(log: EventLog, tick: number, ctx: ExecContext, gfp: number, order: number, nodes: readonly PgNode[], nid: number): void {
  if (!warnAllocRatelimit(log, tick, ctx.cpu)) return;
  const mems = nodes.length === 1 ? '0' : `0-${nodes.length - 1}`;
  const text = `${commOf(ctx)}: page allocation failure: order:${order}, ${formatMode(gfp)}, nodemask=(null),cpuset=/,mems_allowed=${mems}`;
  const detail = [`CPU: ${ctx.cpu} Comm: ${commOf(ctx)}`, ...nodes[nid].zonelist.map((z) => showFreeArea(z))];
  log.push(tick, ctx.cpu, 'alloc_fail', text, detail);
}

/** warn_alloc()'s DEFINE_RATELIMIT_STATE(nopage_rs, 10*HZ, 1), shared by the page allocator and vmalloc. */
export function warnAllocRatelimit(log: EventLog, tick: number, cpu: number): boolean {
  return log.ratelimit('warn_alloc', tick, cpu, 10 * TICKS_PER_SECOND, 1);
}

/** show_free_areas() per zone: "Node 0 DMA32: 3*4kB (UM) 2*8kB (M) ... = 1234kB". */
export function showFreeArea(z: Zone): string {
  const parts: string[] = [];
  let total = 0;
  for (let o = 0; o < NR_ORDERS; o++) {
    const n = z.nrFree[o];
    const kb = 4 << o;
    total += n * kb;
    let types = '';
    for (let mt = 0; mt < NR_MIGRATETYPES; mt++) if (z.freeCountOf(o, mt) > 0) types += MIGRATETYPE_LETTERS[mt];
    parts.push(`${n}*${kb}kB${types ? ` (${types})` : ''}`);
  }
  return `Node ${z.nid} ${z.name}: ${parts.join(' ')} = ${total}kB`;
}
