/** Seeds that do not depend on the order anything is drawn in: FNV-1a of the text, mixed with a seed. */
export function hashSeed(seed: number, ...parts: (string | number)[]): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (const part of parts) {
    // Each part's text, then a NUL (no string is made for a part that is one already).
    const text = typeof part === "string" ? part : String(part);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
