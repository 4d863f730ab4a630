import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFleetPlan } from "../../src/fleet/load.js";
import { allTrials, mapSites, placesIn, siteBatches } from "../../src/fleet/outcomes.js";
import { prepareFleet } from "../../src/fleet/prepare.js";
import { ensureBuilt } from "../fixtures/cli.js";

/** The batches' places, checked: every place in exactly one batch, no batch over `size` nor past its slice. */
function covered(count: number, size: number, slices: number) {
  const { slices: cut, list } = siteBatches(count, size, slices);
  const seen = new Array<number>(count).fill(0);
  for (const b of list) {
    const slice = cut[b.pool];
    expect(slice).toBeDefined();
    if (!slice) continue;
    expect(b.to - b.from).toBeGreaterThan(0);
    expect(b.to - b.from).toBeLessThanOrEqual(size);
    expect(b.to).toBeLessThanOrEqual(slice.length);
    for (const p of placesIn(slice, b.from, b.to)) seen[p] = (seen[p] ?? 0) + 1;
  }
  expect(seen.every((n) => n === 1)).toBe(true);
  return { cut, list };
}

describe("a trial's batches on threads", () => {
  it("are one slice in place order when not sliced (fewer trials: each batch carries its sites)", () => {
    const { cut, list } = covered(1000, 300, 1);
    expect(cut).toEqual([{ first: 0, stride: 1, length: 1000 }]);
    expect(list.map((b) => [b.pool, b.from, b.to])).toEqual([
      [0, 0, 300],
      [0, 300, 600],
      [0, 600, 900],
      [0, 900, 1000],
    ]);
  });

  it("give each thread every n-th place, and alternate between the slices", () => {
    const { cut, list } = covered(1001, 300, 2);
    expect(cut).toEqual([
      { first: 0, stride: 2, length: 501 },
      { first: 1, stride: 2, length: 500 },
    ]);
    // Large sites listed first still split evenly: each slice holds one of every two places.
    expect(placesIn(cut[1] as (typeof cut)[number], 0, 4)).toEqual([1, 3, 5, 7]);
    expect(list.map((b) => `${b.pool}:${b.from}-${b.to}`)).toEqual([
      "0:0-300",
      "1:0-300",
      "0:300-501",
      "1:300-500",
    ]);
    for (const [count, size, slices] of [
      [100_000, 512, 2],
      [7, 64, 3],
      [1, 64, 4],
      [513, 512, 8],
      [0, 64, 2],
    ] as const)
      covered(count, size, slices);
  });

  it("start no thread without a site: fewer places than threads make fewer slices", () => {
    expect(siteBatches(1, 64, 4).slices).toEqual([{ first: 0, stride: 1, length: 1 }]);
    expect(siteBatches(3, 64, 8).slices).toHaveLength(3);
  });

  it("map a scattered list of sites on sliced threads as one thread does (a shard by site, 5 trials)", async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), "edgesim-slices-"));
    const profiles = resolve("scenarios/profiles");
    const file = join(dir, "plan.yaml");
    writeFileSync(
      file,
      [
        "name: sliced",
        `update: ${profiles}/k3s-registry-change.yaml`,
        `from: ${profiles}/k3s-base.yaml`,
        "trials: 5",
        "inventory: { generate: { clusters: 400, shapes: ['1+0', '1+3', '3+5'] } }",
        "faults: { nodeActionFailure: 0.05, agentRestart: 0.1 }",
        "strategy: { waves: [ { name: all, rest: true, concurrency: 50 } ] }",
        "",
      ].join("\n"),
    );
    const prepared = prepareFleet(loadFleetPlan(file));
    // Every third site from the 7th: places and site indices differ, as in a shard by site.
    const sites = prepared.rolled.filter((s) => s % 3 === 1 && s > 6);
    const here = await mapSites(prepared, sites, { threads: 1 });
    const threads = await mapSites(prepared, sites, { threads: 2 });
    expect(threads.size).toBe(sites.length * 5);
    for (const trial of allTrials(prepared.plan))
      for (const s of sites) expect(threads.get(trial, s)).toEqual(here.get(trial, s));
  });
});
