/** Seeds that do not depend on the order anything is drawn in: FNV-1a of the text, mixed with a seed. */
export function hashSeed(seed: number, ...parts: (string | number)[]): number {
  let h = hashSeedInit(seed);
  // Each part's text, then a NUL (no string is made for a part that is one already).
  for (const part of parts) h = hashSeedPart(h, typeof part === "string" ? part : String(part));
  return hashSeedEnd(h);
}

/**
 * hashSeed taken in two steps, for many seeds that share their first parts (a generated site's is the
 * fleet's seed, "generate" and its name): `hashSeedFinish(hashSeedStart(seed, ...first), last)` is
 * `hashSeed(seed, ...first, last)`, the shared parts hashed once.
 */
export function hashSeedStart(seed: number, ...parts: (string | number)[]): number {
  let h = hashSeedInit(seed);
  for (const part of parts) h = hashSeedPart(h, typeof part === "string" ? part : String(part));
  return h;
}

/** The seed hashSeed gives for the parts hashSeedStart took (its `state`), then `last`. */
export function hashSeedFinish(state: number, last: string): number {
  return hashSeedEnd(hashSeedPart(state, last));
}

/**
 * hashSeed one part at a time, for a hash over many values that should not first be gathered into an
 * argument array (a fleet's fingerprint, a few values a site):
 * `hashSeedEnd(hashSeedPart(hashSeedPart(hashSeedInit(seed), a), b))` is `hashSeed(seed, a, b)`.
 */
export function hashSeedInit(seed: number): number {
  return (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
}

/** The state after one more part (its text, then a NUL). */
export function hashSeedPart(state: number, text: string): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Math.imul(h, 0x01000193) >>> 0;
}

/**
 * The state after one 32-bit word (FNV-1a's step on a word rather than a character). For a given word
 * the step is a bijection of the state, so two lists of words that differ in one place end in different
 * states.
 */
export function hashSeedWord(state: number, word: number): number {
  return Math.imul((state ^ word) >>> 0, 0x01000193) >>> 0;
}

/** The seed of a state: its bits mixed. */
export function hashSeedEnd(state: number): number {
  let h = Math.imul(state ^ (state >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
