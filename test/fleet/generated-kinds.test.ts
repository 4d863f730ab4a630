import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type LoadedFleetPlan, type LoadOptions, loadFleetPlanYaml } from "../../src/fleet/load.js";
import { InputError } from "../../src/shared/diagnostics.js";
import { parseYamlFile } from "../../src/shared/yaml.js";

const profiles = resolve("scenarios/profiles");
const planFile = resolve("scenarios/fleet-plans/generated.yaml");

/** The plan as text (key order, absent keys given as undefined, maps), or the problems it is refused with. */
function loaded(text: string, options: LoadOptions): string {
  let plan: LoadedFleetPlan;
  try {
    plan = loadFleetPlanYaml(parseYamlFile(text, planFile), options);
  } catch (error) {
    if (error instanceof InputError) return `refused: ${JSON.stringify(error.diagnostics, null, 1)}`;
    throw error;
  }
  return JSON.stringify(plan, (_key, value) =>
    value === undefined ? "<undefined>" : value instanceof Map ? ["<Map>", ...value.entries()] : value,
  );
}

/** The plan resolved a kind of generated site at a time, and each site on its own: the same. (The plan
 * file is placed in scenarios/fleet-plans, whose template-profiles the template plan names.) */
function same(text: string, options: LoadOptions = {}): string {
  const byKind = loaded(text, options);
  expect(byKind).toBe(loaded(text, { ...options, siteBySite: true }));
  return byKind;
}

const WAVES = `strategy: { waves: [{ name: canary, count: 3, concurrency: 3 }, { name: rest, rest: true, concurrency: 50 }] }`;

describe("a generated inventory resolved once per kind of site", () => {
  it("is the plan each site resolved on its own gives: the what-if's fleet", () => {
    const text = same(
      `name: w\nupdate: ${profiles}/k3s-registry-change.yaml\ncluster: { shape: "1+3" }\ninventory: { generate: { clusters: 3000 } }\n${WAVES}\n`,
    );
    expect(JSON.parse(text).sites).toHaveLength(3000);
  });

  it("with a mix of distributions, shapes, zones, labels, links, registries, window overrides and classes", () => {
    const text = same(`name: mixed
seed: 11
from: { k3s: ${profiles}/k3s-base.yaml, rke2: ${profiles}/rke2-base.yaml }
update: { k3s: ${profiles}/k3s-os-uri-change.yaml, rke2: ${profiles}/rke2-cluster-config.yaml }
inventory:
  generate:
    clusters: 2500
    prefix: store
    mix: { k3s: 3, rke2: 1 }
    shapes: ["1+2", "3+2", "1+0"]
    timeZones: [Europe/Paris, America/Chicago, US/Central, america/new_york]
    labels: { tier: [standard, standard, flagship], rack: [a, b] }
    linkMbps: [50, 1000]
    localRegistry: 0.25
windows:
  default: "Mon-Fri 01:00-05:00"
  overrides:
    - { labels: { tier: flagship }, window: "Sun 00:00-06:00" }
    - { labels: { tier: flagship, rack: b }, window: "Sat 02:00-04:00" }
image: { sizeGiB: 2, linkMbps: 20 }
cluster:
  classes:
    - { select: { labels: { rack: a } }, timings: { reboot: 3m } }
${WAVES}
`);
    const sites = JSON.parse(text).sites as { labels: Record<string, string>; window: { text: string } }[];
    // Each kind of site is there: the overrides' windows, both distributions.
    expect(new Set(sites.map((s) => s.window.text)).size).toBe(3);
    expect(text).toContain('"profile":"rke2-base"');
  });

  it("with the bundled bases (no from) and the plan's delivery mode, each site's own object", () => {
    const text = `name: m\nupdate: ${profiles}/k3s-registry-change.yaml\ncluster: { mode: agent }\ninventory: { generate: { clusters: 400, shapes: ["1+1", "3+3"] } }\n${WAVES}\n`;
    same(text);
    const plan = loadFleetPlanYaml(parseYamlFile(text, planFile));
    const owns = plan.sites.map((s) => s.own);
    expect(owns.every((own) => own?.mode === "agent")).toBe(true);
    expect(new Set(owns).size).toBe(plan.sites.length);
  });

  it("with two-node HA, well formed and not", () => {
    const text = same(
      `name: t\nupdate: ${profiles}/k3s-registry-change.yaml\ncluster: { shape: "2+1", twoNode: { leader: cp-2 } }\ninventory: { generate: { clusters: 300 } }\n${WAVES}\n`,
    );
    expect(text).toContain('"twoNode":{"leader":"cp-2"}');
    const refused = same(
      `name: t\nupdate: ${profiles}/k3s-registry-change.yaml\ncluster: { twoNode: true }\ninventory: { generate: { clusters: 300, shapes: ["1+1", "2+0", "3+0"] } }\n${WAVES}\n`,
    );
    expect(refused).toMatch(/^refused: /);
  });

  it("when only templates roll it (no update)", () => {
    const text = same(`name: p
from: template-profiles/retail-1.0.0.yaml
inventory: { generate: { clusters: 500, prefix: store, shapes: ["1+2", "3+2"] } }
strategy:
  palette:
    policy: { schedules: [weekly], windowHours: 4 }
    versions:
      - { at: 2026-12-08T10:00Z, profile: template-profiles/retail-2.0.0.yaml }
`);
    expect(text).not.toMatch(/^refused: /);
  });

  it("refused the same way: an image too large for a link, a shape too large, a distribution with no update", () => {
    const problems = [
      `name: i\nupdate: ${profiles}/k3s-registry-change.yaml\nimage: { sizeGiB: 4000 }\ninventory: { generate: { clusters: 200, linkMbps: [0.0001, 1000] } }\n${WAVES}\n`,
      `name: i\nupdate: ${profiles}/k3s-registry-change.yaml\nimage: { sizeGiB: 4000, linkMbps: 0.0001 }\ninventory: { generate: { clusters: 200 } }\n${WAVES}\n`,
      `name: s\nupdate: ${profiles}/k3s-registry-change.yaml\ninventory: { generate: { clusters: 200, shapes: ["1+3", "0+2", "1+20000"] } }\n${WAVES}\n`,
      `name: d\nupdate: { k3s: ${profiles}/k3s-registry-change.yaml }\ninventory: { generate: { clusters: 200, mix: { k3s: 1, rke2: 1 } } }\n${WAVES}\n`,
      `name: p\nupdate: ${profiles}/k3s-registry-change.yaml\ninventory: { generate: { clusters: 50, prefix: "a\\tb" } }\n${WAVES}\n`,
      `name: z\nupdate: ${profiles}/k3s-registry-change.yaml\ninventory: { generate: { clusters: 50, timeZones: [Mars/Olympus] } }\n${WAVES}\n`,
      `name: w\nupdate: ${profiles}/k3s-registry-change.yaml\nwindows: { default: "Moonday 01:00-02:00" }\ninventory: { generate: { clusters: 50 } }\n${WAVES}\n`,
    ];
    for (const text of problems) expect(same(text)).toMatch(/^refused: /);
  });

  it("with --start, --seed and --trials", () => {
    same(
      `name: w\nupdate: ${profiles}/k3s-registry-change.yaml\ninventory: { generate: { clusters: 700, labels: { x: [a, b, c] } } }\n${WAVES}\n`,
      { seed: 99, start: "2026-12-09T05:00Z", trials: 4 },
    );
  });
});
