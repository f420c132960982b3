// Sampling the scenario's distributions and arrival processes from the machine's PRNG, so a run stays a pure
// function of (scenario, seed, inputs). Every draw goes through here.
import type {Prng} from '../kernel/prng.js';
import type {Arrival, Dist} from './spec.js';

/** A non-negative integer drawn from a distribution (rounded; exponential is continuous, then floored). */
export function sample(d: Dist, prng: Prng): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.min + prng.below(d.max - d.min + 1);
    case 'exponential':
      // Inverse transform; 1 - u is in (0, 1], so the log is finite.
      return Math.floor(-Math.log(1 - prng.float()) * d.mean);
  }
}

/** The mean of a distribution (for descriptions and tests). */
export function mean(d: Dist): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'exponential':
      return d.mean;
  }
}

/** A Poisson-distributed count with mean `rate` (Knuth's method; rates here are small, a few per tick). */
export function poisson(rate: number, prng: Prng): number {
  if (rate <= 0) return 0;
  // Large means split into chunks so exp(-rate) stays representable.
  let n = 0;
  let left = rate;
  while (left > 0) {
    const r = Math.min(left, 30);
    left -= r;
    const limit = Math.exp(-r);
    let p = prng.float();
    while (p > limit) {
      n++;
      p *= prng.float();
    }
  }
  return n;
}

/** How many events an arrival process yields at this tick. `phase` offsets periodic and burst processes. */
export function arrivals(a: Arrival, tick: number, prng: Prng, phase = 0): number {
  switch (a.kind) {
    case 'periodic':
      return (tick + phase) % a.every === 0 ? 1 : 0;
    case 'poisson':
      return poisson(a.rate, prng);
    case 'bursts':
      return (tick + phase) % a.every < a.length ? poisson(a.rate, prng) : 0;
  }
}

/** Events per tick on average. */
export function arrivalRate(a: Arrival): number {
  switch (a.kind) {
    case 'periodic':
      return 1 / a.every;
    case 'poisson':
      return a.rate;
    case 'bursts':
      return (a.rate * a.length) / a.every;
  }
}
