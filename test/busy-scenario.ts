// A small living machine for the dashboard's tests (controller, App, recording): a driver with random request
// traffic, optionally module churn and an interrupt line, and pausing notes where a test wants them.

export type BusyOptions = {
  /** Pausing notes: [tick, text]. */
  readonly notes: ReadonlyArray<readonly [number, string]>;
  /** Module images coming and going in the vmalloc region. */
  readonly churn?: boolean;
  /** Network-style interrupts on both CPUs, handed to the softirq. */
  readonly irq?: boolean;
};

export function busyYaml({notes, churn = false, irq = false}: BusyOptions): string {
  const lines = [
    'name: busy',
    'description: a driver at work',
    'seed: 9',
    'machine: {memory: 256M, cpus: 2}',
    'workloads:',
    '  nvme:',
    '    type: driver',
    '    caches: [{name: nvme_req, size: 320}]',
    '    control: [4K]',
    '    requests: {arrival: {poisson: 3}, cache: nvme_req, lifetime: {exponential: 20}}',
  ];
  if (churn) lines.push('  churn: {type: module_loader, arrival: {poisson: 0.2}, size: {uniform: [16K, 256K]}, lifetime: {exponential: 100}}');
  if (irq) lines.push('  eth0: {type: irq, cpus: [0, 1], arrival: {poisson: 0.5}, buffers: {uniform: [1, 4]}, size: 2K, gfp: GFP_ATOMIC, consumer: softirq}');
  lines.push('timeline:');
  for (const [at, text] of notes) lines.push(`  - at: ${at}`, `    note: ${text}`, '    pause: true');
  return lines.join('\n') + '\n';
}
