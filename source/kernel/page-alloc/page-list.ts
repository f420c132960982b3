// include/linux/list.h for pages: list_add(), list_add_tail() and list_del() over a zone's per-page links. A
// page is on at most one list at a time (a free list, a per-CPU list or the LRU: the kernel's page->lru union),
// so the free lists, the pcp lists and the LRU share the zone's next/prev arrays; each kind keeps its heads and
// tails in an Int32Array, one slot per list. -1 ends a list.

const NIL = -1;

/** list_add(): idx becomes the head of list li. */
export function listAdd(next: Int32Array, prev: Int32Array, head: Int32Array, tail: Int32Array, li: number, idx: number): void {
  const h = head[li];
  next[idx] = h;
  prev[idx] = NIL;
  if (h === NIL) tail[li] = idx;
  else prev[h] = idx;
  head[li] = idx;
}

/** list_add_tail(): idx becomes the tail of list li. */
export function listAddTail(next: Int32Array, prev: Int32Array, head: Int32Array, tail: Int32Array, li: number, idx: number): void {
  const t = tail[li];
  prev[idx] = t;
  next[idx] = NIL;
  if (t === NIL) head[li] = idx;
  else next[t] = idx;
  tail[li] = idx;
}

/** list_del(): idx leaves list li. */
export function listDel(next: Int32Array, prev: Int32Array, head: Int32Array, tail: Int32Array, li: number, idx: number): void {
  const n = next[idx];
  const p = prev[idx];
  if (p === NIL) head[li] = n;
  else next[p] = n;
  if (n === NIL) tail[li] = p;
  else prev[n] = p;
}
