import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type LoadedFleetPlan, loadFleetPlanYaml } from "../../src/fleet/load.js";
import { scheduleFingerprint, simulationFingerprint } from "../../src/fleet/shard.js";
import { hashSeed } from "../../src/shared/hash.js";
import { parseYamlFile } from "../../src/shared/yaml.js";

// A part's header holds these fingerprints: a new way of computing them must give the values parts
// written before it hold, or a merge would refuse those parts (or the part format must change).
const root = resolve(".");

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

/** The fingerprints as they were first computed (an argument array a site), kept here to compare with. */
function fingerprintsBefore(p: LoadedFleetPlan): { simulation: string; schedule: string } {
  const hex = (a: number, b: number) =>
    `${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`;
  const parts: (string | number)[] = [
    p.seed,
    p.trials,
    JSON.stringify(p.faults),
    JSON.stringify(p.timings),
    String(p.retries),
    String(p.maxUnavailable),
    String(p.rke2Quirk),
  ];
  if (p.timingClasses && p.timingClasses.length > 0) parts.push(JSON.stringify(p.timingClasses));
  for (const [name, prof] of [...p.profiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    parts.push(name, JSON.stringify({ ...prof, profile: { ...prof.profile, file: "" } }));
  let b = hashSeed(2, ...parts);
  for (const site of p.sites)
    b = hashSeed(b, site.name, site.profile, site.update, site.controlPlanes, site.workers);
  for (const site of p.sites)
    if (site.own?.mode !== undefined || site.own?.twoNode !== undefined)
      b = hashSeed(b, site.name, site.own.mode ?? "", site.own.twoNode?.leader ?? "");
  const simulation = hex(hashSeed(1, ...parts), b);
  const scheduleParts: (string | number)[] = [
    simulation,
    p.startMs,
    p.horizonMs,
    p.windowMode,
    String(p.prefetch),
    String(p.registryGbps),
    p.imageGiB,
    String(p.keepResults === true),
    JSON.stringify(p.strategies),
  ];
  let d = hashSeed(4, ...scheduleParts);
  for (const site of p.sites)
    d = hashSeed(d, site.timeZone, site.window.text, site.linkMbps, String(site.localRegistry === true));
  return { simulation, schedule: hex(hashSeed(3, ...scheduleParts), d) };
}

describe("fingerprints", () => {
  it("are the values parts already hold: computed as they were first computed", () => {
    const p = plan();
    const before = fingerprintsBefore(p);
    expect(simulationFingerprint(p)).toBe(before.simulation);
    expect(scheduleFingerprint(p)).toBe(before.schedule);
    expect(scheduleFingerprint(p, simulationFingerprint(p))).toBe(before.schedule);
  });
});
