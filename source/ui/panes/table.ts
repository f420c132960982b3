// A table that fits its width: numeric columns as wide as their widest figure (or header), one flexible text
// column taking what is left, and the least important columns dropped first when the width is short.
import type {Role} from '../theme.js';
import {type Line, padEnd, padStart, type Span, span} from './spans.js';

export type Column<Row> = {
  readonly id: string;
  readonly header: string;
  readonly align: 'left' | 'right';
  /** Lower is more important; columns go highest first when the width is short. */
  readonly priority: number;
  /** The flexible column: takes the width the others leave, at least `min`. */
  readonly flex?: boolean;
  readonly min?: number;
  readonly value: (row: Row) => string | number;
  readonly role?: (row: Row) => Role | undefined;
};

export type Placed<Row> = Column<Row> & {readonly width: number};

const SEP = ' ';

/** The columns that fit `width`, each with its width; `keep` (the sorted column) is never dropped. */
export function placeColumns<Row>(cols: readonly Column<Row>[], rows: readonly Row[], width: number, keep?: string, extraHeader = 0): Placed<Row>[] {
  const natural = new Map<string, number>();
  for (const c of cols) {
    let w = c.header.length + (c.id === keep ? extraHeader : 0);
    for (const r of rows) w = Math.max(w, String(c.value(r)).length);
    natural.set(c.id, w);
  }
  const flex = cols.find((c) => c.flex);
  const flexMin = flex ? Math.min(natural.get(flex.id)!, flex.min ?? 8) : 0;
  const fixedWidth = (list: readonly Column<Row>[]) => list.reduce((a, c) => a + (c.flex ? 0 : natural.get(c.id)! + SEP.length), 0);
  let kept = [...cols];
  for (const c of [...cols].filter((x) => !x.flex && x.id !== keep).sort((a, b) => b.priority - a.priority)) {
    if (fixedWidth(kept) + flexMin <= width) break;
    kept = kept.filter((k) => k !== c);
  }
  const rest = Math.max(0, width - fixedWidth(kept));
  return kept.map((c) => ({...c, width: c.flex ? rest : natural.get(c.id)!}));
}

function cell<Row>(c: Placed<Row>, text: string): string {
  return c.align === 'left' ? padEnd(text, c.width) : padStart(text, c.width);
}

/** The header line; the sorted column in `sortRole` with its arrow. */
export function headerLine<Row>(cols: readonly Placed<Row>[], sorted?: string, arrow = ''): Line {
  const out: Span[] = [];
  cols.forEach((c, i) => {
    if (i) out.push(span(SEP));
    const text = c.id === sorted ? (c.align === 'left' ? c.header + arrow : arrow + c.header) : c.header;
    out.push(span(cell(c, text), c.id === sorted ? 'sortKey' : 'header'));
  });
  return out;
}

/** One row; `rowRole` (the selection) overrides the cells' own roles. */
export function rowLine<Row>(cols: readonly Placed<Row>[], row: Row, rowRole?: Role): Line {
  const out: Span[] = [];
  cols.forEach((c, i) => {
    if (i) out.push(span(SEP, rowRole));
    out.push(span(cell(c, String(c.value(row))), rowRole ?? c.role?.(row)));
  });
  return out;
}
