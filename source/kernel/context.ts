// Who is calling: the CPU, the context it runs in, and the task name the kernel would print (current->comm).
// Sleeping (direct reclaim) is only allowed in process context.

export const CONTEXTS = ['process', 'softirq', 'hardirq'] as const;
export type ContextName = (typeof CONTEXTS)[number];

export type ExecContext = {readonly cpu: number; readonly context: ContextName; readonly comm: string};

/** in_atomic() for our purposes: interrupt context may not sleep. */
export function inAtomic(ctx: ExecContext): boolean {
  return ctx.context !== 'process';
}

/** The name the kernel prints for the task running in a context. */
export function commOf(ctx: ExecContext): string {
  return ctx.context === 'process' ? ctx.comm : `swapper/${ctx.cpu}`;
}
