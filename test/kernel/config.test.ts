import {describe, expect, test} from 'vitest';
import {type MachineSpec, resolveMachineConfig} from '../../source/kernel/config.js';
import {G, M} from '../helpers.js';

const refuse = (spec: MachineSpec) => {
  const r = resolveMachineConfig(spec);
  if (r.ok) throw new Error('accepted');
  return r.error;
};

describe('machine configuration', () => {
  test('a configuration that makes no sense is refused with the key it is about', () => {
    expect(refuse({memory: 1 * G + 100})).toEqual({path: ['memory'], message: `memory ${1 * G + 100} is not a multiple of the page size (4K)`});
    expect(refuse({memory: 1 * G, cpus: 0})).toEqual({path: ['cpus'], message: 'a machine needs at least one CPU'});
    expect(refuse({memory: 1 * G, nodes: [{memory: 1 * G, cpus: 1}, {memory: 0, cpus: 1}]}).path).toEqual(['nodes', 1, 'memory']);
    expect(refuse({memory: 1 * G, nodes: [{memory: 512 * M}, {memory: 256 * M}]}).message).toContain('not the sum');
    expect(refuse({memory: 16 * M}).message).toContain('too small');
    expect(refuse({profile: 'i386', memory: 8 * G}).message).toContain('at most 4G');
    expect(refuse({memory: 1 * G, nodes: 2, distance: [[10, 20], [20, 11]]}).path).toEqual(['distance', 1, 1]);
    expect(refuse({memory: 1 * G, nodes: 2, distance: [[10, 20]]}).path).toEqual(['distance']);
    expect(refuse({memory: 1 * G, reserved: [{start: 100, size: 4096}]}).path).toEqual(['reserved', 0, 'start']);
    expect(refuse({memory: 1 * G, reserved: [{start: 2 * G, size: 4096}]}).path).toEqual(['reserved', 0]);
    expect(refuse({memory: 1 * G, watermark_scale_factor: 0}).path).toEqual(['watermark_scale_factor']);
    expect(refuse({profile: 'i386', memory: 1 * G, nodes: 2}).path).toEqual(['nodes']);
  });

  test('zones per profile and node, with the kernel image, first MiB and struct pages reserved', () => {
    const r = resolveMachineConfig({memory: 8 * G, nodes: 2, cpus: 4});
    if (!r.ok) throw new Error(r.error.message);
    const c = r.config;
    expect(c.nodes.map((n) => n.cpus)).toEqual([[0, 1], [2, 3]]);
    const populated = c.nodes.map((n) => n.zones.filter((z) => z.end > z.start).map((z) => z.name));
    expect(populated).toEqual([['DMA', 'DMA32'], ['Normal']]);
    expect(c.reserved.map((x) => x.what)).toEqual(['first MiB (BIOS, real mode)', 'kernel image', 'struct pages of node 0', 'struct pages of node 1']);
    // 4 GiB of struct pages at 64 bytes each: 16384 pages per node.
    expect(c.reserved[2].end - c.reserved[2].start).toBe(16384);
  });

  test('reservations that overlap the kernel image are counted once', () => {
    // 44 MiB from 16 MiB covers the 16 MiB kernel image: about 18 MiB stay usable, enough to boot.
    expect(resolveMachineConfig({memory: 64 * M, reserved: [{start: 16 * M, size: 44 * M}]}).ok).toBe(true);
  });

  test('a memory-only node is allowed', () => {
    const r = resolveMachineConfig({memory: 2 * G, nodes: [{memory: 1 * G, cpus: 2}, {memory: 1 * G, cpus: 0}]});
    expect(r.ok).toBe(true);
  });
});
