import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type LoadedFleetPlan, loadFleetPlanYaml, type Site } from "../../src/fleet/load.js";
import { scheduleFingerprint, simulationFingerprint } from "../../src/fleet/shard.js";
import { parseYamlFile } from "../../src/shared/yaml.js";

// A part's header holds these fingerprints: a merge compares them with its own inputs' (part format 5).
const root = resolve(".");

const PINNED = { simulation: "09b99101ea4e206f", schedule: "11768db8f6dd4a29" };

function plan(): LoadedFleetPlan {
  const text = [
    "name: fingerprints",
    `update: ${JSON.stringify(`${root}/scenarios/profiles/k3s-registry-change.yaml`)}`,
    `from: ${JSON.stringify(`${root}/scenarios/profiles/k3s-base.yaml`)}`,
    "seed: 11",
    "trials: 3",
    'cluster: { shape: "1+3" }',
    "inventory: { generate: { clusters: 300, timeZones: [Europe/Paris, America/New_York, Asia/Tokyo] } }",
    'windows: { default: "daily 01:00-05:00" }',
    "strategy:",
    "  waves:",
    "    - { name: canary, count: 4, concurrency: 4, failureBudget: 0 }",
    "    - { name: rest, rest: true, concurrency: 20, failureBudget: 10% }",
    "",
  ].join("\n");
  const loaded = loadFleetPlanYaml(parseYamlFile(text, "<fingerprints>"));
  // Sites that differ in what each fingerprint hashes a site by: shapes, links, a local registry.
  loaded.sites = loaded.sites.map((site, i) =>
    i % 7 === 0
      ? { ...site, controlPlanes: 3, workers: i % 5, linkMbps: 12.5 + i, localRegistry: i % 2 === 0 }
      : site,
  );
  return loaded;
}

/** The plan with one site changed. */
function withSite(p: LoadedFleetPlan, index: number, change: Partial<Site>): LoadedFleetPlan {
  return { ...p, sites: p.sites.map((site, i) => (i === index ? { ...site, ...change } : site)) };
}

describe("fingerprints", () => {
  it("are the values parts of this format hold (a change of them must change the part format)", () => {
    const p = plan();
    // Pinned: parts written by this version hold these; computing them otherwise would make a merge
    // refuse those parts as made from other inputs, so it goes with a new part format.
    expect(simulationFingerprint(p)).toBe(PINNED.simulation);
    expect(scheduleFingerprint(p)).toBe(PINNED.schedule);
    expect(scheduleFingerprint(p, simulationFingerprint(p))).toBe(PINNED.schedule);
    expect(simulationFingerprint(plan())).toBe(simulationFingerprint(p));
  });

  it("change with any value a site's outcome depends on, and only the schedule's with its schedule's", () => {
    const p = plan();
    const simulation = simulationFingerprint(p);
    const schedule = scheduleFingerprint(p);
    const site = p.sites[123] as Site;
    for (const change of [
      { name: `${site.name}x` },
      { profile: "other" },
      { update: "other" },
      { controlPlanes: site.controlPlanes + 1 },
      { workers: site.workers + 1 },
    ]) {
      const changed = withSite(p, 123, change);
      expect(simulationFingerprint(changed), JSON.stringify(change)).not.toBe(simulation);
      expect(scheduleFingerprint(changed), JSON.stringify(change)).not.toBe(schedule);
    }
    for (const change of [
      { timeZone: "Asia/Tokyo" === site.timeZone ? "Europe/Paris" : "Asia/Tokyo" },
      { window: { ...site.window, text: "daily 02:00-05:00" } },
      { linkMbps: site.linkMbps + 0.5 },
      { localRegistry: !site.localRegistry },
    ]) {
      const changed = withSite(p, 123, change);
      expect(simulationFingerprint(changed), JSON.stringify(change)).toBe(simulation);
      expect(scheduleFingerprint(changed), JSON.stringify(change)).not.toBe(schedule);
    }
    // The order of the sites counts: two sites swapped are another fleet.
    const swapped = { ...p, sites: [p.sites[1], p.sites[0], ...p.sites.slice(2)] as Site[] };
    expect(simulationFingerprint(swapped)).not.toBe(simulation);
  });
});
