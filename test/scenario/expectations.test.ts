import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  actionOrder,
  EXPECTATIONS,
  type ExpectationContext,
  evaluateExpectations,
  peakUnavailable,
} from "../../src/scenario/expectations.js";
import type { ScenarioExpect } from "../../src/scenario/schema.js";
import { unifiedDiff } from "../../src/scenario/text-diff.js";
import type { SimulationResult, TimelineEntry } from "../../src/sim/types.js";

const m = (minutes: number) => minutes * 60_000;

/** Two nodes rebooted one after the other, with Kubernetes down from 20m to 30m. */
const timeline = [
  { t: m(1), event: "update-received", profile: "next" },
  { t: m(2), node: "cp-1", event: "node-cordoned" },
  { t: m(3), node: "cp-1", event: "action-started", action: "reboot" },
  { t: m(8), node: "cp-1", event: "node-rejoined" },
  { t: m(9), node: "worker-1", event: "node-cordoned" },
  { t: m(10), node: "worker-1", event: "action-started", action: "reboot" },
  { t: m(11), node: "worker-2", event: "node-cordoned" },
  { t: m(12), node: "worker-2", event: "action-started", action: "reboot" },
  { t: m(15), node: "worker-1", event: "node-rejoined" },
  { t: m(16), node: "worker-2", event: "node-rejoined" },
  { t: m(25), node: "worker-2", event: "node-cordoned" },
] as unknown as TimelineEntry[];

const result: SimulationResult = {
  result: "failed",
  behavior: "reboot",
  finalProfile: "base",
  nodes: [
    {
      name: "cp-1",
      role: "control-plane",
      state: "Ready",
      profile: "next",
      osImage: "img",
      actions: { reboot: 1 },
    },
    {
      name: "worker-1",
      role: "worker",
      state: "Ready",
      profile: "next",
      osImage: "img",
      actions: { reboot: 1 },
    },
    {
      name: "worker-2",
      role: "worker",
      state: "Failed",
      profile: "base",
      osImage: "img",
      actions: { reboot: 2 },
    },
  ],
  timeline,
  failure: { node: "worker-2", action: "reboot", reason: "reboot failed" },
  durationMs: m(15),
  refused: [],
  faults: [],
};

function context(overrides: Partial<ExpectationContext> = {}): ExpectationContext {
  return {
    result,
    refused: [],
    kubernetesDown: [{ from: m(20), to: m(30) }],
    goldenText: () => "golden\n",
    ...overrides,
  };
}

describe("expectation registry: each passes and fails on crafted results", () => {
  it.each<[keyof ScenarioExpect, unknown, unknown, RegExp]>([
    ["result", "failed", "converged", /expected converged, got failed \(worker-2 reboot: reboot failed\)/],
    ["behavior", "reboot", "repave", /expected repave, got reboot/],
    [
      "order",
      ["cp-1", "worker-1", "worker-2"],
      ["cp-1", "worker-2", "worker-1"],
      /got \[cp-1, worker-1, worker-2\]/,
    ],
    ["finalProfile", "base", "next", /expected the cluster to end on next, got base/],
    ["maxUnavailable", 2, 1, /2 nodes unavailable at once at 11m \(worker-1, worker-2\), limit 1/],
    [
      "actions",
      { "worker-2": { reboot: 2 } },
      { "worker-2": { reboot: 1 } },
      /worker-2 reboot: expected 1, got 2/,
    ],
    ["duration", { min: "10m", max: "2h" }, { max: "10m" }, /upgrade took 15m, outside 0s\.\.10m/],
    ["failedNode", "worker-2", "worker-1", /expected worker-1 to fail, worker-2 failed/],
    ["unsupported", false, true, /expected an update to be refused/],
    [
      "nodes",
      { "worker-2": { state: "Failed", profile: "base", osImage: "img" }, "cp-1": { profile: "next" } },
      { "worker-2": { state: "Ready", osImage: "img" }, "cp-1": { activeImage: "img" } },
      /worker-2 state: expected Ready, got Failed; cp-1 activeImage: expected img, got \(none\)/,
    ],
  ])("%s", (key, good, bad, message) => {
    const expectation = EXPECTATIONS[key] as {
      check: (e: never, c: ExpectationContext) => { passed: boolean; message: string };
    };
    expect(expectation.check(good as never, context()).passed).toBe(true);
    const failed = expectation.check(bad as never, context());
    expect(failed.passed).toBe(false);
    expect(failed.message).toMatch(message);
  });

  it("noDisruptionWhileKubernetesDown fails on a cordon inside the window and passes outside it", () => {
    const check = EXPECTATIONS.noDisruptionWhileKubernetesDown.check;
    const failed = check(true, context());
    expect(failed).toEqual({
      passed: false,
      message: "disrupted while Kubernetes was down: worker-2 node-cordoned at 25m",
    });
    expect(
      check(true, context({ kubernetesDown: [{ from: m(30), to: Number.POSITIVE_INFINITY }] })).passed,
    ).toBe(true);
    // The window is [down, up): an action at the very instant Kubernetes comes back is allowed.
    expect(check(true, context({ kubernetesDown: [{ from: m(20), to: m(25) }] })).passed).toBe(true);
  });

  it("unsupported passes when the runner refused an update or the simulation rejected one", () => {
    const check = EXPECTATIONS.unsupported.check;
    const refused = [{ t: m(1), profile: "cilium", rule: "network.pack-switch", reason: "CNI switch" }];
    expect(check(true, context({ refused }))).toEqual({
      passed: true,
      message: "refused as unsupported: cilium: CNI switch",
    });
    expect(check(false, context({ refused })).passed).toBe(false);
    const rejected = {
      ...result,
      timeline: [
        ...timeline,
        { t: m(30), event: "update-rejected" as const, profile: "x", reasons: ["storage switch"] },
      ],
    };
    expect(check(true, context({ result: rejected })).message).toMatch(/x: storage switch/);
  });

  it("timeline compares with the golden file, shows a diff, and --update rewrites it", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-golden-"));
    const timelineFile = join(dir, "t.txt");
    const check = EXPECTATIONS.timeline.check;
    expect(check("t.txt", context({ timelineFile })).message).toMatch(/does not exist \(run with --update/);
    expect(check("t.txt", context({ timelineFile, update: true })).message).toMatch(/written/);
    expect(readFileSync(timelineFile, "utf8")).toBe("golden\n");
    expect(check("t.txt", context({ timelineFile })).passed).toBe(true);
    writeFileSync(timelineFile, "a\ngolden old\nb\n");
    const failed = check("t.txt", context({ timelineFile, goldenText: () => "a\ngolden new\nb\n" }));
    expect(failed.passed).toBe(false);
    expect(failed.message).toContain("-golden old\n+golden new");
  });

  it("evaluates only the stated expectations, in registry order", () => {
    const results = evaluateExpectations({ finalProfile: "base", result: "failed" }, context());
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ["result", true],
      ["finalProfile", true],
    ]);
  });
});

describe("timeline measures", () => {
  it("action order is the order of each node's first action", () => {
    expect(actionOrder(timeline)).toEqual(["cp-1", "worker-1", "worker-2"]);
  });
  it("a node is unavailable from cordon to rejoin", () => {
    expect(peakUnavailable(timeline)).toEqual({ peak: 2, at: m(11), nodes: ["worker-1", "worker-2"] });
    expect(peakUnavailable(timeline.slice(0, 4)).peak).toBe(1);
  });
});

describe("unifiedDiff", () => {
  it("shows changed lines with context and line numbers", () => {
    const diff = unifiedDiff("1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nfour\n5\n6\n7\n");
    expect(diff).toBe(
      [
        "--- expected (golden)",
        "+++ actual",
        "@@ expected line 2, actual line 2 @@",
        " 2",
        " 3",
        "-4",
        "+four",
        " 5",
        " 6",
      ].join("\n"),
    );
  });
  it("handles insertions at the end", () => {
    expect(unifiedDiff("a\n", "a\nb\n")).toContain("+b");
  });
});
