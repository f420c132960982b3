// The vmalloc pane in live mode: hashed addresses (an unprivileged reader) give counts and sizes only, by kind
// and per node, against meminfo's VmallocUsed/VmallocTotal, with the changes since the previous sample; real
// addresses (root) give the strip as the emulator draws it, with the same figures under it.
import {describe, expect, test} from 'vitest';
import {HIDDEN_ADDRESSES, strip, vmallocContent} from '../../../source/ui/panes/vmalloc-lines.js';
import {VmallocPane} from '../../../source/ui/panes/VmallocPane.js';
import {lineText, hashedVmalloc, realVmalloc, roleOf} from '../live-view-fixture.js';
import {body, draw, expectBox} from './draw.js';

const INNER = 77;
const STRIP_GLYPHS = /[█|▒]/;

describe('vmalloc, live', () => {
  test('hashed: no strip; VmallocUsed/VmallocTotal, areas and bytes with their changes, kinds biggest first, pages per node', () => {
    const lines = vmallocContent(hashedVmalloc(), INNER, 4).map(lineText);
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(0, 2)) expect(l).not.toMatch(STRIP_GLYPHS);
    expect(lines[0]).toBe('used 120.6 MiB/32.00 TiB  areas 1034 ▲3  bytes 122M ▲64K');
    expect(lines[1]).toBe('vmalloc 812·120M  ioremap 40·2M  vmap 3·12K  unpurged 2·8K');
    expect(lines[2]).toMatch(/^node N0 30720 pages +bytes [▁-█]{4}$/);
    expect(lines[2].endsWith('bytes ▁▄▇█')).toBe(true);
    expect(lines[3]).toBe('addresses hidden: no strip (kptr_restrict=1 as root, or no_hash_pointers)');
    const first = vmallocContent(hashedVmalloc(), INNER, 4)[0];
    expect(roleOf(first, '▲3')).toBe('rise');
    // A smaller pane keeps the most important lines, without "…more" in the place of the kinds.
    expect(vmallocContent(hashedVmalloc(), INNER, 2).map(lineText)).toEqual(lines.slice(0, 2));
  });

  test('fewer areas and bytes than a sample ago: ▼ in the fall role', () => {
    const v = hashedVmalloc();
    const l = vmallocContent({...v, live: {...v.live!, deltaAreas: -2, deltaBytes: -(1 << 20)}}, INNER, 3)[0];
    expect(lineText(l)).toBe('used 120.6 MiB/32.00 TiB  areas 1034 ▼2  bytes 122M ▼1M');
    expect(roleOf(l, '▼1M')).toBe('fall');
  });

  test('real addresses: the strip first, as the emulator draws it, then the same figures', () => {
    const v = realVmalloc();
    const lines = vmallocContent(v, INNER, 5);
    expect(lineText(lines[0])).toBe(lineText(strip(v, INNER)));
    // 1023 used pages and a guard page, then 512 lazily freed ones, in a 4096-page window.
    expect(lineText(lines[0])).toMatch(/^█{19}▁·+▒{10}▁·+$/);
    expect(lineText(lines[1])).toMatch(/^0xffffc90000000000 .*\+16M$/);
    expect(lines.slice(2).map(lineText)).toEqual(vmallocContent(hashedVmalloc(), INNER, 3).map(lineText));
    const pane = draw(<VmallocPane vmalloc={v} width={79} height={6} focused={false} />, 79);
    expectBox(pane, 79, 6);
    expect(body(pane)[0]).toBe(lineText(strip(v, INNER)));
  });

  test('vmallocinfo unreadable: the notice, and VmallocUsed from meminfo; nothing readable: the notice alone', () => {
    const v = hashedVmalloc();
    const notice = '/proc/vmallocinfo is readable by root only: run sudo kmemscope live';
    const noInfo = {...v, areas: 0, live: {...v.live!, kinds: [], nodes: [], deltaAreas: 0, deltaBytes: 0}};
    expect(vmallocContent(noInfo, INNER, 4, notice).map(lineText)).toEqual([`! ${notice}`, 'used 120.6 MiB/32.00 TiB']);
    const nothing = {...noInfo, live: {...noInfo.live, meminfo: null}};
    expect(vmallocContent(nothing, INNER, 4, notice).map(lineText)).toEqual([`! ${notice}`]);
    const lines = body(draw(<VmallocPane vmalloc={nothing} notice={notice} width={79} height={6} focused={false} />, 79));
    expect(lines[0]).toBe(`! ${notice}`.padEnd(77));
  });

  test('hidden addresses: what shows them (kptr_restrict=1 as root, or no_hash_pointers), never that sudo alone does', () => {
    const hint = (inner: number) => lineText(vmallocContent(hashedVmalloc(), inner, 4)[3]);
    // lib/vsprintf.c restricted_pointer(): kptr_restrict 0 hashes %pK for every reader, root too.
    expect(hint(97)).toBe('addresses hidden: no strip (real ones need kptr_restrict=1 and root, or no_hash_pointers)');
    expect(hint(77)).toBe(HIDDEN_ADDRESSES[1]);
    expect(hint(57)).toBe('addresses hidden: no strip (kptr_restrict=1 as root)');
    expect(hint(37)).toBe('addresses hidden: no strip');
    for (const t of HIDDEN_ADDRESSES) expect(t).not.toMatch(/sudo|hashed/);
    // Real addresses: no such line.
    expect(vmallocContent(realVmalloc(), 97, 6).map(lineText).filter((l) => l.startsWith('addresses'))).toEqual([]);
  });

  test('the title counts no areas: the body does, with its change (and without vmallocinfo there is none to count)', () => {
    const top = draw(<VmallocPane vmalloc={hashedVmalloc()} width={79} height={6} focused={false} />, 79)[0];
    expect(top).toMatch(/^┌─ vmalloc ─+┐$/);
    // The emulator's pane keeps its count there.
    const {live: _live, ...emulated} = hashedVmalloc();
    expect(draw(<VmallocPane vmalloc={emulated} width={79} height={6} focused={false} />, 79)[0]).toContain(' 1034 areas ');
    expect(body(draw(<VmallocPane vmalloc={hashedVmalloc()} width={79} height={6} focused={false} />, 79))[0]).toContain('areas 1034 ▲3');
    const v = hashedVmalloc();
    const noInfo = {...v, areas: 0, live: {...v.live!, kinds: [], nodes: [], deltaAreas: 0, deltaBytes: 0}};
    const none = draw(<VmallocPane vmalloc={noInfo} notice="run sudo kmemscope live: /proc/vmallocinfo is root-only" width={79} height={6} focused={false} />, 79);
    expect(none[0]).not.toMatch(/area/);
    expect(body(none).join('\n')).not.toMatch(/areas/);
  });

  test('at 80x24 the notice wraps onto a second line when the pane has the rows, else it is cut on one', () => {
    const v = hashedVmalloc();
    const noInfo = {...v, areas: 0, live: {...v.live!, kinds: [], nodes: [], deltaAreas: 0, deltaBytes: 0}};
    const notice = 'run sudo kmemscope live: /proc/vmallocinfo is root-only';
    // 39x5: three rows; meminfo's line under a two-line notice.
    const rows = body(draw(<VmallocPane vmalloc={noInfo} notice={notice} width={39} height={5} focused={false} />, 39));
    expect(rows.map((r) => r.trimEnd())).toEqual(['! run sudo kmemscope live:', '  /proc/vmallocinfo is root-only', 'used 120.6 MiB/32.00 TiB']);
    // The kinds and nodes need the rows: one line, cut, and the figures under it.
    const full = vmallocContent(hashedVmalloc(), 37, 3, notice).map(lineText);
    expect(full[0]).toBe(`! ${notice}`);
    expect(full[1]).toMatch(/^used 120\.6 MiB/);
    expect(full).toHaveLength(3);
  });
});
