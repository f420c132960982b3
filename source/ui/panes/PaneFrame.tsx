// A pane's box: a border drawn as text (so it is exactly width x height), the title set into the top edge, an
// optional note at the right of the top edge (scroll position, sort...), and the content lines, each cut or padded
// to the inner width. More lines than rows: the last row says "…more". Focus shows as a double border and an
// inverse title, so it reads without colour too.
import chalk, {type ChalkInstance} from 'chalk';
import {Box, Text} from 'ink';
import {memo} from 'react';
import {type Role, ROLES, type Style, type Theme} from '../theme.js';
import {useTheme} from '../use-theme.js';
import {fitLine, type Line, merge, type Span, span, truncate} from './spans.js';

type Props = {
  readonly title: string;
  /** Shown at the right of the top edge when there is room: "3-9/40", "sort: active"... */
  readonly info?: string;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly lines: readonly Line[];
};

const SINGLE = {tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│'};
const DOUBLE = {tl: '╔', tr: '╗', bl: '╚', br: '╝', h: '═', v: '║'};

export const MORE = '…more';

/** The content rows a frame of this height has. */
export const innerHeight = (height: number): number => Math.max(0, height - 2);
export const innerWidth = (width: number): number => Math.max(0, width - 2);

/** Lines for `rows` rows: all of them, or as many as fit and "…more". */
export function clip(lines: readonly Line[], rows: number): readonly Line[] {
  if (lines.length <= rows) return lines;
  if (rows <= 0) return [];
  return [...lines.slice(0, rows - 1), [span(MORE, 'more')]];
}

export function topEdge(title: string, info: string | undefined, width: number, focused: boolean): Span[] {
  const g = focused ? DOUBLE : SINGLE;
  const border = focused ? 'borderFocused' : 'border';
  if (width < 2) return [span(g.h.repeat(Math.max(0, width)), border)];
  const inner = width - 2;
  const t = truncate(` ${title} `, Math.max(0, inner - 1));
  let rest = inner - 1 - t.length;
  const i = info && rest >= info.length + 4 ? ` ${info} ` : '';
  rest -= i.length;
  const out: Span[] = [span(g.tl + (inner > 0 ? g.h : ''), border), span(t, focused ? 'titleFocused' : 'title')];
  if (rest > 0) out.push(span(g.h.repeat(rest - (i ? 1 : 0)), border));
  if (i) out.push(span(i, 'info'), span(g.h, border));
  out.push(span(g.tr, border));
  return merge(out);
}

type Paint = (text: string) => string;

// Each row is one Ink <Text> holding a string already styled by chalk (the chalk Ink itself styles with, so
// FORCE_COLOR and colour detection behave the same): one node per row instead of one per span keeps a frame cheap.
const painters = new WeakMap<Theme, Readonly<Record<Role, Paint | undefined>>>();

function painter(st: Style): Paint | undefined {
  let c: ChalkInstance = chalk;
  if (st.color) c = c[st.color as 'red'];
  if (st.backgroundColor) c = c[`bg${st.backgroundColor[0].toUpperCase()}${st.backgroundColor.slice(1)}` as 'bgRed'];
  if (st.bold) c = c.bold;
  if (st.dimColor) c = c.dim;
  if (st.underline) c = c.underline;
  if (st.inverse) c = c.inverse;
  return c === chalk ? undefined : (text) => c(text);
}

function paintersOf(theme: Theme): Readonly<Record<Role, Paint | undefined>> {
  let p = painters.get(theme);
  if (!p) {
    p = Object.fromEntries(ROLES.map((r) => [r, painter(theme.styles[r])])) as Record<Role, Paint | undefined>;
    painters.set(theme, p);
  }
  return p;
}

/** A row as one string, each span in its role's style. */
export function paintRow(row: readonly Span[], theme: Theme): string {
  const p = paintersOf(theme);
  let out = '';
  for (const s of row) {
    const paint = s.role ? p[s.role] : undefined;
    out += paint ? paint(s.text) : s.text;
  }
  return out;
}

function PaneFrameImpl({title, info, width, height, focused, lines}: Props) {
  const theme = useTheme();
  if (height <= 0 || width <= 0) return null;
  const g = focused ? DOUBLE : SINGLE;
  const border = focused ? 'borderFocused' : 'border';
  const inner = innerWidth(width);
  const rows: Span[][] = [topEdge(title, info, width, focused)];
  if (height >= 2) {
    const body = clip(lines, innerHeight(height));
    for (let r = 0; r < innerHeight(height); r++) {
      rows.push(merge([span(g.v, border), ...fitLine(body[r] ?? [], inner), span(g.v, border)]));
    }
    rows.push([span(g.bl + g.h.repeat(inner) + g.br, border)]);
  }
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      {rows.map((row, r) => (
        <Text key={r} wrap="truncate">
          {paintRow(row, theme)}
        </Text>
      ))}
    </Box>
  );
}

export const PaneFrame = memo(PaneFrameImpl);
