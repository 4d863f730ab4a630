import { describe, expect, it } from "vitest";
import { loadProfileFile } from "../../src/profile/index.js";
import type { Profile } from "../../src/profile/types.js";
import { planUpdate } from "../../src/rules/plan.js";
import { type Rule, ruleById } from "../../src/rules/table.js";
import { withVariation } from "../../src/shared/variation.js";
import { fallbacksOf, removedEquivalence } from "../../src/suite/fallback.js";
import { allMutants } from "../../src/suite/mutants.js";

const rule = (id: string): Rule => {
  const found = ruleById(id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

describe("what decides a removed rule row's changes (the rule:ID:removed mutant)", () => {
  it("a reboot row with nothing under it falls to the conservative default: equivalent", () => {
    expect(fallbacksOf(rule("os.stages.boot")).map((f) => f.rule?.id ?? "default")).toEqual(["default"]);
    expect(removedEquivalence(rule("os.stages.boot"))).toMatch(
      /conservative default, which decides the same \(reboot\)/,
    );
  });

  it("a manifest row falls to its layer's * row: equivalent only when that row decides the same", () => {
    expect(removedEquivalence(rule("network.manifest"))).toMatch(
      /rule network\.values, which decides the same \(service-restart of networking\)/,
    );
    expect(removedEquivalence(rule("addon.manifest"))).toMatch(/rule addon\.values/);
    // The OS layer has no * row: a changed OS manifest would reboot.
    expect(removedEquivalence(rule("os.manifest"))).toBeUndefined();
  });

  it("a known-issue row falls to the documented rows it overrides, which decide otherwise", () => {
    expect(fallbacksOf(rule("rke2.stages.reconcile")).map((f) => f.rule?.id)).toEqual(["rke2.stages"]);
    expect(removedEquivalence(rule("rke2.stages.reconcile"))).toBeUndefined();
    expect(removedEquivalence(rule("rke2.stages"))).toBeUndefined();
  });

  it("a mode's row falls to the row every mode has", () => {
    expect(fallbacksOf(rule("sysext.options.system.uri")).map((f) => f.rule?.id)).toEqual([
      "os.options.system.uri",
    ]);
    expect(removedEquivalence(rule("sysext.options.system.uri"))).toBeDefined();
    // No @version row applies under systemd extensions: the default reboot is not the row's repave.
    expect(removedEquivalence(rule("sysext.kubernetes.version"))).toBeUndefined();
  });

  it("only removed mutants are equivalent, and 37 of them", () => {
    const equivalent = allMutants().filter((m) => m.equivalent !== undefined);
    expect(equivalent.every((m) => m.id.endsWith(":removed"))).toBe(true);
    expect(equivalent).toHaveLength(37);
  });
});

describe("the planner agrees: an equivalent removed row plans the same behavior and services", () => {
  const base = "scenarios/profiles/sc-k3s-literal-uri.yaml";
  const cases: [string, string][] = [
    ["network.manifest", "scenarios/profiles/sc-k3s-literal-uri-cni-manifest.yaml"],
    ["storage.manifest", "scenarios/profiles/sc-k3s-literal-uri-storage-manifest.yaml"],
    ["addon.manifest", "scenarios/profiles/sc-k3s-literal-uri-addon-manifest.yaml"],
    ["kubernetes.pack-switch", "scenarios/profiles/sc-k3s-literal-uri-kubernetes-pack-switch.yaml"],
  ];
  const load = (file: string): Profile => loadProfileFile(file);
  it.each(cases)("%s", async (id, to) => {
    const from = load(base);
    const target = load(to);
    const as = planUpdate(from, target);
    const removed = await withVariation({ kind: "rule", rule: id, behavior: "removed" }, () =>
      planUpdate(from, target),
    );
    expect(as.changes.some((c) => c.rule === id)).toBe(true);
    expect(removed.changes.some((c) => c.rule === id)).toBe(false);
    expect([removed.behavior, removed.services]).toEqual([as.behavior, as.services]);
  });
});
