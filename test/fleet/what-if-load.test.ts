import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { bundledProfiles, loadFleetPlanYaml } from "../../src/fleet/load.js";
import { loadWhatIf, WHAT_IF_NAME, whatIfPlan } from "../../src/fleet/what-if.js";
import { loadProfileFile } from "../../src/profile/file.js";
import { yamlFileOf } from "../../src/shared/yaml.js";

const profiles = resolve("scenarios/profiles");
const update = `${profiles}/k3s-registry-change.yaml`;

const text = (value: unknown) =>
  JSON.stringify(value, (_key, v) =>
    v === undefined ? "<undefined>" : v instanceof Map ? ["<Map>", ...v.entries()] : v,
  );

describe("a what-if's update profile, read once", () => {
  it("gives the plan the what-if's file gives when its loader reads every profile itself", () => {
    for (const clusters of [2, 7, 250]) {
      const from = join(bundledProfiles(), "k3s-base.yaml");
      const plain = loadFleetPlanYaml(yamlFileOf(whatIfPlan({ clusters, update, from }), WHAT_IF_NAME), {
        root: false,
        seed: 3,
      });
      expect(text(loadWhatIf({ clusters, update }, { seed: 3 }))).toBe(text(plain));
    }
  });

  it("is the profile the plan's loader takes for that file (and only without plan variables)", () => {
    const read = loadProfileFile(update);
    const marked = { ...read, name: "marked-update" };
    const plan = (variables: string) =>
      loadFleetPlanYaml(
        yamlFileOf(
          {
            name: "w",
            update,
            ...(variables ? { variables: { someVariable: variables } } : {}),
            inventory: { generate: { clusters: 3 } },
            strategy: { waves: [{ name: "all", rest: true, concurrency: 3 }] },
          },
          WHAT_IF_NAME,
        ),
        { root: false, profilesRead: new Map([[update, marked]]) },
      );
    expect(plan("").sites[0]?.update).toBe("marked-update");
    expect(plan("x").sites[0]?.update).toBe(read.name);
  });
});
