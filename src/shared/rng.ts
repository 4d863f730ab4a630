/** Seeds are whole numbers 0..2^32-1: the generator's whole state, so no two seeds alias each other. */
export const MAX_SEED = 4_294_967_295;

/** A small seeded PRNG (mulberry32): the only source of randomness in the core. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Starts over from `seed`, as `new Rng(seed)` would (a generator reused run after run). */
  reseed(seed: number): void {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** `base` scaled by a uniform factor in [1 - fraction, 1 + fraction], rounded to whole ms. */
  jitter(base: number, fraction: number): number {
    if (fraction <= 0) return base;
    return Math.max(0, Math.round(base * (1 - fraction + 2 * fraction * this.next())));
  }
}
