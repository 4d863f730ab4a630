import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kindOf } from "../../src/kinds/registry.js";
import { loadScenario, nodeNames } from "../../src/scenario/load.js";
import { diagnosticsOf, expectScenarioDiagnostic, HEADER, workspace } from "./helpers.js";

// HEADER is lines 1-5; `events:` is line 6, the first event line 7.
describe("loadScenario: bad input is reported at file:line:col", () => {
  it.each([
    {
      case: "negative at",
      text: `${HEADER}events:\n  - at: -1m\n    update: profiles/small-reboot.yaml\n`,
      line: 7,
      col: 9,
      message: /duration.*"-1m"/,
    },
    {
      case: "unparseable at",
      text: `${HEADER}events:\n  - { at: soon, kubernetes: down }\n`,
      line: 7,
      col: 11,
      message: /duration.*"soon"/,
    },
    {
      case: "unknown node",
      text: `${HEADER}events:\n  - { at: 1m, node: worker-3, fail: reboot }\n`,
      line: 7,
      col: 21,
      message: /^this cluster has no node "worker-3" \(its nodes are cp-1, worker-1\.\.worker-2\)$/,
    },
    {
      case: "unknown top-level key",
      text: `${HEADER}colour: blue\n`,
      line: 6,
      col: 9,
      message: /unknown key "colour"/,
    },
    {
      case: "unknown expectation",
      text: `${HEADER}expect:\n  result: converged\n  happy: true\n`,
      line: 8,
      col: 10,
      message: /unknown expectation "happy" \(known: result, behavior/,
    },
    {
      case: "update file that does not load",
      text: `${HEADER}events:\n  - { at: 1m, update: profiles/broken.yaml }\n`,
      line: 7,
      col: 23,
      message: /profile .*broken\.yaml does not load/,
    },
    {
      case: "update file that does not exist",
      text: `${HEADER}events:\n  - { at: 1m, update: profiles/missing.yaml }\n`,
      line: 7,
      col: 23,
      message: /missing\.yaml does not load: file not found/,
    },
    {
      case: "order naming an unknown node",
      text: `${HEADER}expect:\n  order: [cp-1, cp-2]\n`,
      line: 7,
      col: 17,
      message: /^this cluster has no node "cp-2" \(its nodes are cp-1, worker-1\.\.worker-2\)$/,
    },
    {
      case: "kubernetes state that is not down or up",
      text: `${HEADER}events:\n  - { at: 1m, kubernetes: sideways }\n`,
      line: 7,
      col: 27,
      message: /must be one of down, up \(got "sideways"\)/,
    },
    {
      case: "event with two kinds",
      text: `${HEADER}events:\n  - { at: 1m, kubernetes: down, agent: restart }\n`,
      line: 7,
      col: 5,
      message: /several kinds \(kubernetes, agent\)/,
    },
    {
      case: "event with no kind",
      text: `${HEADER}events:\n  - { at: 1m }\n`,
      line: 7,
      col: 5,
      message: /event has no kind/,
    },
    {
      case: "expect.nodes naming an unknown node",
      text: `${HEADER}expect:\n  nodes: { worker-9: { state: Ready } }\n`,
      line: 7,
      col: 22,
      message: /^this cluster has no node "worker-9" \(its nodes are cp-1, worker-1\.\.worker-2\)$/,
    },
    {
      case: "expect.nodes with a state no node has",
      text: `${HEADER}expect:\n  nodes: { worker-1: { state: Broken } }\n`,
      line: 7,
      col: 31,
      message: /Ready/,
    },
    {
      case: "expect.nodes passiveImage without A/B partitions",
      text: `${HEADER}expect:\n  nodes:\n    worker-1: { passiveImage: img }\n`,
      line: 8,
      col: 31,
      message: /needs cluster.abPartitions: true/,
    },
    {
      case: "abPartitions that is not a boolean",
      text: HEADER.replace("workers: 2", "workers: 2\n  abPartitions: yes please"),
      line: 5,
      col: 17,
      message: /boolean|true or false/,
    },
    {
      case: "missing cluster size",
      text: `name: t\ncluster:\n  workers: 2\nprofile: profiles/small-base.yaml\n`,
      line: 3,
      col: 3,
      message: /cluster.controlPlanes|is required/,
    },
  ])("$case", ({ text, line, col, message }) => {
    expectScenarioDiagnostic(text, message, line, col);
  });

  it("reports the profile's own error as well as the scenario's reference", () => {
    const dir = workspace({ "s.yaml": `${HEADER}events:\n  - { at: 1m, update: profiles/broken.yaml }\n` });
    const diagnostics = diagnosticsOf(() => loadScenario(join(dir, "s.yaml")));
    const own = diagnostics.find((d) => d.file === join(dir, "profiles/broken.yaml"));
    expect(own?.line).toBe(6);
  });

  it("reports each of two keys that are not strings, at its place", () => {
    const dir = workspace({ "s.yaml": `${HEADER}1: a\ntrue: b\n` });
    const diagnostics = diagnosticsOf(() => loadScenario(join(dir, "s.yaml")));
    expect(diagnostics.map((d) => [d.line, d.col, d.message])).toEqual([
      [6, 4, 'unknown key "1"'],
      [7, 7, 'unknown key "true"'],
    ]);
  });

  it("collects several problems and reports them together", () => {
    const dir = workspace({
      "s.yaml": `${HEADER}events:\n  - { at: 1m, node: cp-9, fail: reboot }\n  - { at: 2m, update: profiles/missing.yaml }\nexpect:\n  order: [worker-7]\n`,
    });
    const diagnostics = diagnosticsOf(() => loadScenario(join(dir, "s.yaml")));
    expect(diagnostics.map((d) => d.line)).toEqual(expect.arrayContaining([7, 8, 10]));
  });

  it("reports shape problems of several events at once", () => {
    const dir = workspace({
      "s.yaml": `${HEADER}events:\n  - { at: -1s, agent: restart }\n  - { at: x, agent: restart }\n`,
    });
    const diagnostics = diagnosticsOf(() => loadScenario(join(dir, "s.yaml")));
    expect(diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual(["7:11", "8:11"]);
  });
});

describe("loadScenario: a good file", () => {
  const text = `${HEADER}seed: 3
events:
  - { at: 5m, kubernetes: up }
  - { at: 2m, kubernetes: down }
  - { at: 1m, update: profiles/small-reboot.yaml }
  - { at: 2m, update: profiles/small-base.yaml }
  - { at: 1h, node: worker-1, fail: any, times: 2 }
  - { at: 90, agent: restart }
expect:
  finalProfile: small-reboot
  duration: { min: 1m, max: 2h }
  timeline: golden/t.txt
`;

  it("sorts events stably by time and converts durations to ms", () => {
    const dir = workspace({ "s.yaml": text });
    const scenario = loadScenario(join(dir, "s.yaml"));
    expect(scenario.events.map((e) => [e.at, e.type, e.index])).toEqual([
      [60_000, "update", 2],
      [90_000, "agent-restart", 5],
      [120_000, "kubernetes", 1],
      [120_000, "update", 3],
      [300_000, "kubernetes", 0],
      [3_600_000, "node-fail", 4],
    ]);
    expect(scenario.nodes).toEqual(["cp-1", "worker-1", "worker-2"]);
    expect(scenario.seed).toBe(3);
    expect(scenario.initialProfile).toBe("small-base");
    expect([...scenario.profiles.keys()]).toEqual(["small-base", "small-reboot"]);
    expect(scenario.durationBounds).toEqual({ minMs: 60_000, maxMs: 7_200_000 });
    expect(scenario.timelineFile).toBe(join(dir, "golden/t.txt"));
    expect(scenario.rke2Quirk).toBe(true);
  });

  it("loads each profile once, however often it is named", () => {
    const dir = workspace({ "s.yaml": text });
    const scenario = loadScenario(join(dir, "s.yaml"));
    // The initial profile and the second update name the same file: one object.
    const base = scenario.profiles.get("small-base");
    expect(base?.profile.file).toBe(join(dir, "profiles/small-base.yaml"));
    expect(base?.drain.cordon).toBe(true);
  });
});

describe("helpers", () => {
  it("names nodes cp-1..cp-N then worker-1..worker-M", () => {
    expect(nodeNames(2, 1)).toEqual(["cp-1", "cp-2", "worker-1"]);
  });
  it.each([
    [{ cluster: {} }, "scenario"],
    [{ events: [] }, "scenario"],
    [{ name: "x", layers: {} }, "profile"],
    [{ fleet: {}, cluster: {} }, "fleet"],
    [{ inventory: {}, events: [] }, "fleet-plan"],
    [{ edgesimFleetPart: 1 }, "fleet-part"],
    [[1, 2], undefined],
    ["text", undefined],
  ])("kindOf(%j) is %s", (value, expected) => {
    expect(kindOf(value)).toBe(expected);
  });
});
