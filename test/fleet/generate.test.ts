import { describe, expect, it } from "vitest";
import { generateInventory, type RawSite } from "../../src/fleet/inventory.js";
import type { GenerateSpec } from "../../src/fleet/schema.js";
import { hashSeed } from "../../src/shared/hash.js";
import { Rng } from "../../src/shared/rng.js";
import type { Distribution } from "../../src/shared/types.js";

const at = () => ({ file: "plan.yaml" });

/** The generator as first written (one Rng and one hashSeed per site): what every generated fleet is. */
function reference(spec: GenerateSpec, seed: number): RawSite[] {
  const mix = Object.entries(spec.mix ?? { k3s: 1 }).filter(([, w]) => (w ?? 0) > 0) as [
    Distribution,
    number,
  ][];
  const total = mix.reduce((sum, [, w]) => sum + w, 0);
  const pick = <T>(list: readonly T[], draw: number) => list[Math.floor(draw * list.length)] as T;
  const shapes = spec.shapes ?? ["1+3"];
  const zones = spec.timeZones ?? [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
  ];
  const width = Math.max(5, String(spec.clusters).length);
  const sites: RawSite[] = [];
  for (let i = 1; i <= spec.clusters; i++) {
    const name = `${spec.prefix ?? "site"}-${String(i).padStart(width, "0")}`;
    const rng = new Rng(hashSeed(seed, "generate", name));
    let draw = rng.next() * total;
    let distribution = (mix[0]?.[0] ?? "k3s") as Distribution;
    for (const [d, w] of mix) {
      if (draw < w) {
        distribution = d;
        break;
      }
      draw -= w;
    }
    const labels: Record<string, string> = {};
    for (const [key, values] of Object.entries(spec.labels ?? {})) labels[key] = pick(values, rng.next());
    const localRegistry = rng.next() < (spec.localRegistry ?? 0);
    const shape = pick(shapes, rng.next());
    const timeZone = pick(zones, rng.next());
    const linkMbps = spec.linkMbps ? pick(spec.linkMbps, rng.next()) : undefined;
    sites.push({
      name,
      distribution,
      shape: spec.shapes ? shape : undefined,
      timeZone,
      labels,
      linkMbps,
      localRegistry,
      at,
    });
  }
  return sites;
}

const SPECS: GenerateSpec[] = [
  { clusters: 1 },
  { clusters: 300, prefix: "store" },
  { clusters: 250, mix: { k3s: 2, rke2: 1, "pxk-e": 0.5 }, shapes: ["1+2", "3+0", "1+3"] },
  { clusters: 120, mix: { k3s: 0, rke2: 0 } },
  {
    clusters: 400,
    timeZones: ["Europe/Paris", "Asia/Tokyo"],
    labels: { tier: ["a", "a", "b"], region: ["east", "west"] },
    linkMbps: [10, 100, 1000],
    localRegistry: 0.3,
  },
  { clusters: 100_001 },
];

describe("a generated inventory", () => {
  it("draws each site as it always has (names, distributions, shapes, zones, labels, links, registries)", () => {
    for (const spec of SPECS)
      for (const seed of [1, 7, 4_294_967_295]) {
        const sites = generateInventory(spec, seed, at);
        const want = reference(spec, seed);
        // As JSON, key order too (the sites' objects are printed and hashed as they are), and absent
        // fields given as undefined, as before.
        const text = (list: RawSite[]) =>
          JSON.stringify(list, (_key, value) => (value === undefined ? "<undefined>" : value));
        expect(text(sites)).toBe(text(want));
        expect(sites.every((site) => site.at === at)).toBe(true);
      }
  });
});
