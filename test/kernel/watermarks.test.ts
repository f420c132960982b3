import {describe, expect, test} from 'vitest';
import {boot, G} from '../helpers.js';

// The kernel's formulas, written out again here from mm/page_alloc.c so the test does not reuse the code it checks.
function expected(managed: Record<string, number>, wsf = 10) {
  const lowmem = Object.values(managed).reduce((a, b) => a + b, 0);
  const mfk = Math.min(262144, Math.max(128, Math.floor(Math.sqrt(lowmem * 4 * 16))));
  const pagesMin = mfk >> 2;
  const out: Record<string, {min: number; low: number; high: number}> = {};
  for (const [name, n] of Object.entries(managed)) {
    const min = Math.floor((pagesMin * n) / lowmem);
    const delta = Math.max(min >> 2, Math.floor((n * wsf) / 10000));
    out[name] = {min, low: min + delta, high: min + 2 * delta};
  }
  return {mfk, zones: out};
}

function actual(memory: number) {
  const m = boot({memory, cpus: 2});
  const zones = m.pa.nodes[0].zones.filter((z) => z.managed > 0);
  return {
    m,
    managed: Object.fromEntries(zones.map((z) => [z.name, z.managed])),
    zones: Object.fromEntries(zones.map((z) => [z.name, {min: z.wmarkMin, low: z.wmarkLow, high: z.wmarkHigh}])),
  };
}

describe('watermarks follow the kernel formulas', () => {
  test('1 GiB x86_64', () => {
    const a = actual(1 * G);
    expect(Object.keys(a.managed)).toEqual(['DMA', 'DMA32']);
    const e = expected(a.managed);
    expect(a.m.pa.minFreeKbytes).toBe(e.mfk);
    expect(a.zones).toEqual(e.zones);
    // The numbers themselves, so a change of the memory layout shows up here too.
    expect(a.m.pa.minFreeKbytes).toBe(4029);
    expect(a.zones.DMA32).toEqual({min: 991, low: 1240, high: 1489});
  });

  test('8 GiB x86_64: Normal above 4 GiB, lowmem_reserve ratios 256/256/32', () => {
    const a = actual(8 * G);
    expect(Object.keys(a.managed)).toEqual(['DMA', 'DMA32', 'Normal']);
    const e = expected(a.managed);
    expect(a.m.pa.minFreeKbytes).toBe(e.mfk);
    expect(a.zones).toEqual(e.zones);
    const [dma, dma32, normal] = a.m.pa.nodes[0].zones;
    expect(dma.lowmemReserve).toEqual([0, Math.floor(dma32.managed / 256), Math.floor((dma32.managed + normal.managed) / 256), Math.floor((dma32.managed + normal.managed) / 256), Math.floor((dma32.managed + normal.managed) / 256)]);
    expect(dma32.lowmemReserve).toEqual([0, 0, Math.floor(normal.managed / 256), Math.floor(normal.managed / 256), Math.floor(normal.managed / 256)]);
    expect(normal.lowmemReserve).toEqual([0, 0, 0, 0, 0]);
  });

  test('watermark_scale_factor widens the gaps; min_free_kbytes can be set', () => {
    const m = boot({memory: 8 * G, cpus: 2, watermark_scale_factor: 200, min_free_kbytes: 65536});
    const normal = m.pa.nodes[0].zones[2];
    expect(m.pa.minFreeKbytes).toBe(65536);
    const delta = Math.floor((normal.managed * 200) / 10000);
    expect(normal.wmarkLow - normal.wmarkMin).toBe(delta);
    expect(normal.wmarkHigh - normal.wmarkLow).toBe(delta);
  });

  test('i386 HighMem gets the small fixed min of highmem zones', () => {
    const m = boot({profile: 'i386', memory: 2 * G, cpus: 1});
    const high = m.pa.nodes[0].zones[2];
    expect(high.name).toBe('HighMem');
    expect(high.wmarkMin).toBe(Math.min(128, Math.max(32, Math.floor(high.managed / 1024))));
  });

  test('pcp batch and high as zoneinfo shows them', () => {
    const m = boot({memory: 4 * G, cpus: 2});
    const dma32 = m.pa.nodes[0].zones[1];
    expect(dma32.pcpBatch).toBe(63);
    expect(dma32.pcpHigh).toBe(Math.floor(dma32.wmarkLow / 2));
    expect(m.pa.nodes[0].zones[0].pcpBatch).toBe(1);
  });
});
