import { describe, expect, it } from "vitest";
import { siteBatches } from "../../src/fleet/outcomes.js";

/** Each site's batch, checked: every site in exactly one batch, no batch over `size` nor across a slice. */
function covered(count: number, size: number, slices: number) {
  const { slices: cut, list } = siteBatches(count, size, slices);
  const seen = new Array<number>(count).fill(0);
  for (const b of list) {
    expect(b.to - b.from).toBeGreaterThan(0);
    expect(b.to - b.from).toBeLessThanOrEqual(size);
    if (cut.length > 0) {
      const slice = cut[b.pool];
      expect(slice).toBeDefined();
      expect(b.base).toBe(slice?.from);
      expect(b.to).toBeLessThanOrEqual(slice?.to ?? -1);
    } else expect([b.pool, b.base]).toEqual([0, 0]);
    for (let s = b.from; s < b.to; s++) seen[s] = (seen[s] ?? 0) + 1;
  }
  expect(seen.every((n) => n === 1)).toBe(true);
  return { cut, list };
}

describe("a trial's batches on threads", () => {
  it("go to one pool in site order without slices (one trial: each batch carries its sites)", () => {
    const { cut, list } = covered(1000, 300, 0);
    expect(cut).toEqual([]);
    expect(list.map((b) => [b.from, b.to])).toEqual([
      [0, 300],
      [300, 600],
      [600, 900],
      [900, 1000],
    ]);
  });

  it("cut the sites into a slice a thread, and alternate between the slices", () => {
    const { cut, list } = covered(1000, 300, 2);
    expect(cut).toEqual([
      { from: 0, to: 500 },
      { from: 500, to: 1000 },
    ]);
    expect(list.map((b) => `${b.pool}:${b.from}-${b.to}`)).toEqual([
      "0:0-300",
      "1:500-800",
      "0:300-500",
      "1:800-1000",
    ]);
    for (const [count, size, slices] of [
      [100_000, 512, 2],
      [7, 64, 3],
      [1, 64, 4],
      [513, 512, 8],
    ] as const)
      covered(count, size, slices);
  });

  it("start no thread without a site: fewer sites than threads make fewer slices", () => {
    expect(siteBatches(1, 64, 4).slices).toEqual([{ from: 0, to: 1 }]);
    expect(siteBatches(3, 64, 8).slices).toHaveLength(3);
  });
});
