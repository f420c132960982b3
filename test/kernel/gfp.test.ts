import {describe, expect, test} from 'vitest';
import * as g from '../../source/kernel/gfp.js';

describe('GFP flags', () => {
  test('the composite masks have the kernel values', () => {
    expect(g.GFP_KERNEL).toBe(0xcc0);
    expect(g.GFP_ATOMIC).toBe(0x820);
    expect(g.GFP_NOWAIT).toBe(0x2800);
    expect(g.GFP_USER).toBe(0x100cc0);
    expect(g.GFP_HIGHUSER_MOVABLE).toBe(0x100cca);
  });

  test('%pGg prints composites first, then single bits, then leftovers', () => {
    expect(g.formatGfp(g.GFP_KERNEL)).toBe('GFP_KERNEL');
    expect(g.formatGfp(g.GFP_KERNEL | g.__GFP_NOWARN)).toBe('GFP_KERNEL|__GFP_NOWARN');
    expect(g.formatGfp(g.GFP_USER)).toBe('GFP_USER');
    expect(g.formatGfp(g.GFP_ATOMIC | g.__GFP_DMA)).toBe('GFP_ATOMIC|GFP_DMA');
    expect(g.formatGfp(0)).toBe('none');
    expect(g.formatGfp(0x200)).toBe('0x200');
    expect(g.formatMode(g.GFP_KERNEL)).toBe('mode:0xcc0(GFP_KERNEL)');
  });

  test('gfp_zone picks the highest usable zone', () => {
    expect(g.gfpZone(g.GFP_KERNEL, false)).toBe('Normal');
    expect(g.gfpZone(g.GFP_DMA, false)).toBe('DMA');
    expect(g.gfpZone(g.GFP_DMA32, false)).toBe('DMA32');
    expect(g.gfpZone(g.GFP_HIGHUSER, false)).toBe('Normal');
    expect(g.gfpZone(g.GFP_HIGHUSER, true)).toBe('HighMem');
    expect(g.gfpZone(g.__GFP_DMA | g.__GFP_DMA32, false)).toBeUndefined();
  });

  test('migrate type from mobility flags', () => {
    expect(g.gfpMigratetype(g.GFP_KERNEL)).toBe(0);
    expect(g.gfpMigratetype(g.GFP_HIGHUSER_MOVABLE)).toBe(1);
    expect(g.gfpMigratetype(g.GFP_KERNEL | g.__GFP_RECLAIMABLE)).toBe(2);
  });

  test('names resolve', () => {
    expect(g.gfpByName('GFP_KERNEL')).toBe(0xcc0);
    expect(g.gfpByName('__GFP_NOWARN')).toBe(0x2000);
    expect(g.gfpByName('GFP_BOGUS')).toBeUndefined();
  });
});
