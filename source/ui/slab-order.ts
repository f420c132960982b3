// The slab table's rows: filtered by name, sorted by a column (names ascending, figures descending, ties by name),
// as both the pane and the key handling (moving the selection) need them in the same order.
import type {CacheFigures} from '../kernel/slab/figures.js';
import type {SlabSortKey} from './panes/types.js';

const VALUE: Record<SlabSortKey, (c: CacheFigures) => number> = {
  name: () => 0,
  objsize: (c) => c.objsize,
  active: (c) => c.active_objs,
  total: (c) => c.num_objs,
  full: (c) => c.full,
  partial: (c) => c.partial,
  empty: (c) => c.empty,
  pages: (c) => c.num_slabs * c.pagesperslab,
};

export function orderCaches(caches: readonly CacheFigures[], sort: SlabSortKey, filter: string): CacheFigures[] {
  const f = filter.toLowerCase();
  const rows = f ? caches.filter((c) => c.name.toLowerCase().includes(f)) : [...caches];
  const v = VALUE[sort];
  return rows.sort((a, b) => (sort === 'name' ? 0 : v(b) - v(a)) || a.name.localeCompare(b.name));
}
