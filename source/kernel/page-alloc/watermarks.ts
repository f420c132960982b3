// mm/page_alloc.c: calculate_min_free_kbytes(), __setup_per_zone_wmarks(), setup_per_zone_lowmem_reserve(),
// zone_batchsize() and zone_highsize(): the numbers /proc/zoneinfo shows under min/low/high, protection and
// pagesets. All of them follow the 6.x formulas; the pcp high is the static high_min (no adaptive scaling).
import {PAGE_SHIFT, SWAP_CLUSTER_MAX} from './types.js';
import type {Zone} from './zone.js';

/** int_sqrt() */
export function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144]. */
export function calculateMinFreeKbytes(lowmemPages: number): number {
  const kbytes = lowmemPages * ((1 << PAGE_SHIFT) >> 10);
  return Math.min(262144, Math.max(128, intSqrt(kbytes * 16)));
}

export type ZoneKind = {readonly zone: Zone; readonly highmemOrMovable: boolean};

/**
 * __setup_per_zone_wmarks(): min is min_free_kbytes shared out by managed pages over the lowmem zones
 * (highmem and movable zones get a small fixed min); low and high each add
 * max(min / 4, managed * watermark_scale_factor / 10000).
 */
export function setupPerZoneWmarks(zones: readonly ZoneKind[], minFreeKbytes: number, scaleFactor: number): void {
  const pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10);
  let lowmemPages = 0;
  for (const {zone, highmemOrMovable} of zones) if (!highmemOrMovable) lowmemPages += zone.managed;
  for (const {zone, highmemOrMovable} of zones) {
    let tmp = lowmemPages === 0 ? 0 : Math.floor((pagesMin * zone.managed) / lowmemPages);
    if (highmemOrMovable) {
      zone.wmarkMin = Math.min(128, Math.max(SWAP_CLUSTER_MAX, Math.floor(zone.managed / 1024)));
    } else {
      zone.wmarkMin = tmp;
    }
    tmp = Math.max(tmp >> 2, Math.floor((zone.managed * scaleFactor) / 10000));
    zone.wmarkLow = zone.wmarkMin + tmp;
    zone.wmarkHigh = zone.wmarkLow + tmp;
    zone.wmarkPromo = zone.wmarkHigh + tmp;
  }
}

/**
 * setup_per_zone_lowmem_reserve(): zone i keeps (managed pages of zones i+1..j) / ratio[i] free from
 * allocations that could have used zone j.
 */
export function setupLowmemReserve(nodeZones: readonly Zone[], ratios: readonly number[]): void {
  for (let i = 0; i < nodeZones.length; i++) {
    const zone = nodeZones[i];
    const ratio = ratios[i] ?? 0;
    const clear = ratio === 0 || zone.managed === 0;
    const reserve = new Array<number>(nodeZones.length).fill(0);
    let managed = 0;
    for (let j = i + 1; j < nodeZones.length; j++) {
      managed += nodeZones[j].managed;
      reserve[j] = clear ? 0 : Math.floor(managed / ratio);
    }
    zone.lowmemReserve = reserve;
  }
}

/** zone_batchsize(): about a quarter of a MiB worth of pages, as 2^n - 1, at least 1. */
export function zoneBatchsize(managed: number): number {
  let batch = Math.min(managed >> 10, (1 << 20) >> PAGE_SHIFT);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  batch = roundDownPow2(batch + (batch >> 1)) - 1;
  return Math.max(1, batch);
}

/** zone_highsize() high_min: the low watermark shared by the node's CPUs, at least 4 batches. */
export function zoneHighsize(lowWmark: number, cpusOfNode: number, onlineCpus: number, batch: number): number {
  const split = cpusOfNode > 0 ? cpusOfNode : onlineCpus;
  return Math.max(Math.floor(lowWmark / split), batch << 2);
}

function roundDownPow2(n: number): number {
  return 1 << (31 - Math.clz32(n));
}
