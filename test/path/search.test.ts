import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { EvaluatedPath } from "../../src/path/evaluate.js";
import { type PathInput, searchPaths } from "../../src/path/search.js";
import { parseProfile } from "../../src/profile/parse.js";
import { planUpdate } from "../../src/rules/plan.js";
import { isInputError } from "../../src/shared/diagnostics.js";

/*
 * Paths built from the documentation's statements:
 * - systemd-extensions.md, "Patch the Operating System and Upgrade Kubernetes": an OS patch and a
 *   Kubernetes bump in one revision repave each node once; in two revisions, twice.
 * - node-pool.md, "Skip Worker Node Update": a skipped pool stays at most three minors behind and one
 *   repave (turning the toggle off) catches it up.
 * - no minor is skipped: 1.31 → 1.34 is three revisions at least.
 */

const PXKE = resolve("scenarios/profiles/pxk-e-base.yaml");
const K3S = resolve("scenarios/profiles/k3s-base.yaml");
const BASE = readFileSync(PXKE, "utf8");

/** pxk-e-base with another Kubernetes version, and optionally another PE version (an OS patch: a new image). */
function pxke(kubernetes: string, peVersion = "v4.5.3", name = "store"): string {
  return BASE.replace("version: 1.30.5", `version: ${kubernetes}`)
    .replace("system.peVersion: v4.5.3", `system.peVersion: ${peVersion}`)
    .replace("name: pxk-e-base", `name: ${name}`);
}

const VERSIONS = ["1.30.5", "1.31.4", "1.32.6", "1.33.3", "1.34.1"];

function search(overrides: Partial<PathInput>): ReturnType<typeof searchPaths> {
  return searchPaths({
    from: { text: pxke("1.31.4", "v4.5.3", "store-today"), file: "today.yaml" },
    versions: { kubernetes: VERSIONS, source: "--versions" },
    controlPlanes: 1,
    workers: 3,
    pools: [],
    minimise: "repaves",
    mode: "appliance",
    limit: 1000,
    ...overrides,
  });
}

/** The input error's diagnostics as `file: message` lines. */
function message(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (isInputError(error)) return error.diagnostics.map((d) => `${d.file}: ${d.message}`).join("\n");
    throw error;
  }
  throw new Error("no error");
}

function revisionsOf(path: EvaluatedPath): number {
  return path.steps.filter((s) => s.step.kind === "revision").length;
}

describe("1.31 → 1.34 with an OS patch (appliance: the image names the Kubernetes version)", () => {
  const result = search({ to: { text: pxke("1.34.1", "v4.6.0", "store-target"), file: "target.yaml" } });

  it("recommends three revisions with the OS patch inside one of them: three repaves per node", () => {
    const best = result.paths[0] as EvaluatedPath;
    expect(revisionsOf(best)).toBe(3);
    expect(best.steps).toHaveLength(3);
    expect(best.repavesPerNode).toBe(3);
    expect(best.totalRepaves).toBe(3 * 4);
    expect(best.rebootsPerNode).toBe(0);
    expect(best.steps.every((s) => s.behavior === "repave")).toBe(true);
    expect(result.kubernetes).toEqual(["1.31.4", "1.32.6", "1.33.3", "1.34.1"]);
  });

  it("the OS patch in its own revision costs one repave more per node (four revisions)", () => {
    const separate = result.paths.filter((p) => revisionsOf(p) === 4);
    expect(separate.length).toBeGreaterThan(0);
    for (const path of separate) expect(path.repavesPerNode).toBe(4);
    const combined = result.paths.filter((p) => revisionsOf(p) === 3);
    for (const path of combined) expect(path.repavesPerNode).toBe(3);
  });

  it("every step is the plan edgesim plan makes of the same two revisions", () => {
    const best = result.paths[0] as EvaluatedPath;
    for (const step of best.steps) {
      const a = result.revision(step.from);
      const b = result.revision(step.to);
      const direct = planUpdate(parseProfile(a.text, "a.yaml"), parseProfile(b.text, "b.yaml"));
      expect(step.behavior).toBe(direct.behavior);
    }
  });

  it("the last revision is the target", () => {
    const best = result.paths[0] as EvaluatedPath;
    const last = result.revision((best.steps[best.steps.length - 1] as EvaluatedPath["steps"][number]).to);
    expect(last.name).toBe("store-target");
    expect(last.text).toBe(pxke("1.34.1", "v4.6.0", "store-target"));
  });

  it("node-hours come from the simulation: more repaves, more node-hours", () => {
    const best = result.paths[0] as EvaluatedPath;
    const worse = result.paths.find((p) => p.repavesPerNode === 4) as EvaluatedPath;
    expect(best.nodeHours).toBeGreaterThan(0);
    expect(worse.nodeHours).toBeGreaterThan(best.nodeHours);
  });
});

describe('pools with "skip worker node update" (PXK-E)', () => {
  it("1.31 → 1.34: the skipping pool is repaved once, the control plane three times", () => {
    const result = search({
      kubernetes: "1.34.1",
      workers: 0,
      pools: [{ name: "edge", workers: 3, policies: ["follow", "skip"] }],
    });
    const best = result.paths[0] as EvaluatedPath;
    expect(best.shape.policies).toEqual({ edge: "skip" });
    expect(best.steps.map((s) => s.step.kind)).toEqual(["revision", "revision", "revision", "catch-up"]);
    const edge = best.groups.find((g) => g.group === "edge");
    const cp = best.groups.find((g) => g.group === "control-plane");
    expect(edge?.repaves).toBe(1);
    expect(cp?.repaves).toBe(3);
    expect(best.totalRepaves).toBe(3 + 3);
    const follow = result.paths.find((p) => p.shape.policies.edge === "follow") as EvaluatedPath;
    expect(follow.totalRepaves).toBe(3 + 9);
  });

  it("1.30 → 1.34 (four minors): N-3 forces a catch-up before the fourth, so the pool is repaved twice", () => {
    const result = search({
      from: { text: pxke("1.30.5"), file: "today.yaml" },
      kubernetes: "1.34.1",
      workers: 0,
      pools: [{ name: "edge", workers: 2, policies: ["skip"] }],
    });
    const best = result.paths[0] as EvaluatedPath;
    expect(best.steps.map((s) => s.step.kind)).toEqual([
      "revision",
      "revision",
      "revision",
      "catch-up",
      "revision",
      "catch-up",
    ]);
    expect(best.groups.find((g) => g.group === "edge")?.repaves).toBe(2);
    // The pool never trails by more than three minors: at the catch-up it trails by three.
    const catchUp = best.steps[3];
    expect(catchUp?.to.kubernetes).toBe(3);
  });

  it("K3s has no skip toggle: a pool set to skip is refused, one left open follows with a warning", () => {
    const k3s = readFileSync(K3S, "utf8");
    const input = {
      from: { text: k3s, file: K3S },
      kubernetes: "1.31.4",
      versions: { kubernetes: ["1.30.5", "1.31.4"], source: "--versions" },
    };
    expect(() => search({ ...input, pools: [{ name: "edge", workers: 2, policies: ["skip"] }] })).toThrow(
      /skip-worker-distribution/,
    );
    const open = search({ ...input, pools: [{ name: "edge", workers: 2, policies: ["follow", "skip"] }] });
    expect(open.paths.every((p) => p.shape.policies.edge === "follow")).toBe(true);
    expect(open.warnings.join("\n")).toMatch(/PXK-E and Canonical only/);
  });
});

describe("bad input names the constraint and the step", () => {
  it("a target below today's version", () => {
    expect(message(() => search({ kubernetes: "1.30.5" }))).toMatch(/constraint no-downgrade at step 1/);
  });

  it("a version the list does not have", () => {
    expect(message(() => search({ kubernetes: "1.34.7" }))).toMatch(/^--versions: constraint version-listed/);
  });

  it("a minor the list lacks", () => {
    const text = message(() =>
      search({
        kubernetes: "1.34.1",
        versions: { kubernetes: ["1.31.4", "1.33.3", "1.34.1"], source: "v.yaml" },
      }),
    );
    expect(text).toMatch(/constraint no-minor-skip at step 1: no 1\.32\.x/);
  });

  it("a CNI switch no path can make", () => {
    const target = BASE.replace("pack: cni-calico", "pack: cni-cilium-oss");
    expect(
      message(() => search({ from: { text: BASE, file: PXKE }, to: { text: target, file: "t.yaml" } })),
    ).toMatch(/^t\.yaml: constraint cni-switch at step 1/);
  });
});

describe("systemd-extension delivery (uri NA): every Kubernetes bump repaves (systemd-extensions.md)", () => {
  const SYSEXT = resolve("scenarios/profiles/sc-k3s-sysext.yaml");
  const sysext = (mode?: "sysext" | "agent") =>
    searchPaths({
      from: { text: readFileSync(SYSEXT, "utf8"), file: SYSEXT },
      kubernetes: "1.34.1",
      versions: { kubernetes: ["1.33.1", "1.34.1"], source: "--versions" },
      controlPlanes: 1,
      workers: 3,
      pools: [],
      minimise: "repaves",
      ...(mode ? { mode } : {}),
      limit: 10,
    });

  it("two minors under sysext: two revisions, each repaving every node", () => {
    const result = sysext("sysext");
    const best = result.paths[0] as EvaluatedPath;
    expect(result.mode).toBe("sysext");
    expect(best.steps.map((s) => s.behavior)).toEqual(["repave", "repave"]);
    expect(best.repavesPerNode).toBe(2);
  });

  it("with no mode given, uri NA is read as sysext (the more disruptive reading), as plan does", () => {
    const result = sysext();
    expect(result.mode).toBe("sysext");
    expect(result.paths[0]?.repavesPerNode).toBe(2);
  });

  it("agent mode is planned with its own rows, not as sysext", () => {
    const result = sysext("agent");
    expect(result.mode).toBe("agent");
    const plan = result.plan({ kubernetes: 0, os: 0, other: false }, { kubernetes: 1, os: 0, other: false });
    expect(plan.mode).toBe("agent");
    expect(plan.behavior).toBe(
      planUpdate(result.from, result.revision({ kubernetes: 1, os: 0, other: false }).profile, {
        mode: "agent",
      }).behavior,
    );
  });
});

it("limits no path meets: no path, and why", () => {
  const result = search({ kubernetes: "1.34.1", maxRepavesPerNode: 2 });
  expect(result.paths).toEqual([]);
  expect(result.noPath).toMatch(/--max-repaves-per-node 2 .*fewest repaves per node is 3/);
});

it("ranks by node-hours, windows and duration as asked", () => {
  const pools = [{ name: "edge", workers: 3, policies: ["follow", "skip"] as const }];
  const byWindows = search({
    kubernetes: "1.34.1",
    workers: 0,
    pools: pools.map((p) => ({ ...p, policies: [...p.policies] })),
    minimise: "windows",
  });
  // Skipping needs a catch-up rollout: one window more than following every revision.
  expect(byWindows.paths[0]?.shape.policies.edge).toBe("follow");
  expect(byWindows.paths[0]?.windows).toBe(3);
  const byHours = search({
    kubernetes: "1.34.1",
    workers: 0,
    pools: pools.map((p) => ({ ...p, policies: [...p.policies] })),
    minimise: "node-hours",
  });
  expect(byHours.paths[0]?.shape.policies.edge).toBe("skip");
  for (let i = 1; i < byHours.paths.length; i++) {
    expect(byHours.paths[i]?.nodeHours).toBeGreaterThanOrEqual(byHours.paths[i - 1]?.nodeHours as number);
  }
});

describe("a provider image carries its Kubernetes version (build-provider-images.md)", () => {
  const k3s = readFileSync(K3S, "utf8");
  const image = (v: string) => `registry.retail.example.com/edge/ubuntu:k3s-${v}-v4.6.0-retail`;
  const ask = (osUri: string) =>
    searchPaths({
      from: { text: k3s, file: K3S },
      kubernetes: "1.32.2",
      osUri,
      versions: { kubernetes: ["1.31.4", "1.32.2"], source: "--versions" },
      controlPlanes: 1,
      workers: 3,
      pools: [],
      minimise: "repaves",
      limit: 100,
    });

  it("an image naming 1.32.2 is published with 1.32.2 only: no path reboots onto other versions under it", () => {
    const result = ask(image("1.32.2"));
    expect(result.constraints.map((c) => c.id)).toContain("image-kubernetes");
    for (const path of result.paths) {
      for (const step of path.steps) {
        if (step.to.os > 0) expect(result.kubernetes[step.to.kubernetes]).toBe("1.32.2");
      }
    }
    const best = result.paths[0] as EvaluatedPath;
    expect(best.steps).toHaveLength(2);
    expect(best.repavesPerNode).toBe(2);
    expect(best.rebootsPerNode).toBe(0);
  });

  it("a target image naming another version than the target's is refused, naming the constraint", () => {
    expect(message(() => ask(image("1.31.4")))).toMatch(
      /^--os-uri: constraint image-kubernetes.*names Kubernetes 1\.31\.4, not the target's 1\.32\.2/,
    );
  });
});
