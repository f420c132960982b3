// The slab table's rows: filtered by name, sorted by a column (names ascending, figures descending, ties by name),
// as both the pane and the key handling (moving the selection) need them in the same order.
import type {CacheFigures} from '../kernel/slab/figures.js';
import type {SlabView} from '../session/view-model.js';
import type {SlabSortKey} from './panes/types.js';

/** Pages the cache holds: slabtop's cache size over the page size. */
export const cachePages = (c: CacheFigures): number => c.num_slabs * c.pagesperslab;

/** slabtop's USE: active objects in hundredths of the objects (0 for a cache without any). */
export const usePercent = (c: CacheFigures): number => (c.num_objs > 0 ? (100 * c.active_objs) / c.num_objs : 0);

const VALUE: Record<SlabSortKey, (c: SlabView) => number> = {
  name: () => 0,
  objsize: (c) => c.objsize,
  active: (c) => c.active_objs,
  total: (c) => c.num_objs,
  full: (c) => c.full,
  partial: (c) => c.partial,
  empty: (c) => c.empty,
  pages: cachePages,
  use: usePercent,
  cache: cachePages,
  slabs: (c) => c.num_slabs,
  objperslab: (c) => c.objperslab,
  pagesperslab: (c) => c.pagesperslab,
  // The caches that changed most, growing or shrinking, first.
  delta: (c) => Math.abs(c.live?.deltaActive ?? 0),
};

export function orderCaches<C extends SlabView>(caches: readonly C[], sort: SlabSortKey, filter: string): C[] {
  const f = filter.toLowerCase();
  const rows = f ? caches.filter((c) => c.name.toLowerCase().includes(f)) : [...caches];
  const v = VALUE[sort];
  return rows.sort((a, b) => (sort === 'name' ? 0 : v(b) - v(a)) || a.name.localeCompare(b.name));
}
