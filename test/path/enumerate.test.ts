import { describe, expect, it } from "vitest";
import {
  enumeratePaths,
  kubernetesChain,
  type PathSpace,
  pathShape,
  policyCombinations,
  revisionSequences,
} from "../../src/path/enumerate.js";

describe("kubernetesChain", () => {
  const listed = ["1.31.2", "1.32.0", "1.32.4", "1.33.1", "1.34.0", "1.34.2"];

  it("takes the highest listed patch of every minor in between, then the target", () => {
    expect(kubernetesChain("1.31.2", "1.34.2", listed)).toEqual({
      chain: ["1.31.2", "1.32.4", "1.33.1", "1.34.2"],
    });
  });

  it("plans a patch change or one minor without a list", () => {
    expect(kubernetesChain("1.31.2", "1.31.5", undefined)).toEqual({ chain: ["1.31.2", "1.31.5"] });
    expect(kubernetesChain("1.31.2", "1.32.0", undefined)).toEqual({ chain: ["1.31.2", "1.32.0"] });
    expect(kubernetesChain("1.31.2", "1.31.2", undefined)).toEqual({ chain: ["1.31.2"] });
  });

  it("refuses a downgrade at step 1", () => {
    expect(kubernetesChain("1.33.1", "1.32.4", listed)).toEqual({
      problem: expect.objectContaining({ constraint: "no-downgrade", step: 1 }),
    });
    expect(kubernetesChain("1.33.2", "1.33.1", undefined)).toEqual({
      problem: expect.objectContaining({ constraint: "no-downgrade" }),
    });
  });

  it("names the step that would skip a minor the list lacks", () => {
    const found = kubernetesChain("1.30.5", "1.34.2", ["1.31.1", "1.33.1", "1.34.2"]);
    expect(found).toEqual({ problem: expect.objectContaining({ constraint: "no-minor-skip", step: 2 }) });
    expect("problem" in found && found.problem.message).toMatch(/no 1\.32\.x/);
  });

  it("needs a list to cross more than one minor", () => {
    expect(kubernetesChain("1.31.2", "1.33.1", undefined)).toEqual({
      problem: expect.objectContaining({ constraint: "no-minor-skip", step: 1 }),
    });
  });

  it("refuses a target the list does not have", () => {
    expect(kubernetesChain("1.31.2", "1.34.9", listed)).toEqual({
      problem: expect.objectContaining({ constraint: "version-listed" }),
    });
  });
});

describe("revisionSequences", () => {
  it("lists every order of a minor bump and an OS change (together, OS first, OS last)", () => {
    const space: PathSpace = { kubernetes: ["1.31.2", "1.32.4"], osImages: 1, other: false, pools: [] };
    const found = revisionSequences(space);
    if ("problem" in found) throw new Error(found.problem.message);
    const text = found.sequences.map((seq) => seq.map((s) => `${s.kubernetes}${s.os}`).join(" "));
    expect(text.sort()).toEqual(["01 11", "10 11", "11"]);
  });

  it("never moves Kubernetes more than one minor in a revision, nor back", () => {
    const space: PathSpace = {
      kubernetes: ["1.29.1", "1.30.1", "1.31.1", "1.32.1", "1.33.1", "1.34.1"],
      osImages: 2,
      other: true,
      pools: [],
    };
    const found = revisionSequences(space);
    if ("problem" in found) throw new Error(found.problem.message);
    expect(found.sequences.length).toBeGreaterThan(100);
    for (const seq of found.sequences) {
      let k = 0;
      let os = 0;
      for (const state of seq) {
        expect(state.kubernetes - k).toBeGreaterThanOrEqual(0);
        expect(state.kubernetes - k).toBeLessThanOrEqual(1);
        expect(state.os).toBeGreaterThanOrEqual(os);
        k = state.kubernetes;
        os = state.os;
      }
      expect(seq[seq.length - 1]).toEqual({ kubernetes: 5, os: 2, other: true });
    }
  });

  it("stops with a problem past the bound", () => {
    const space: PathSpace = {
      kubernetes: ["1.29.1", "1.30.1", "1.31.1", "1.32.1", "1.33.1", "1.34.1"],
      osImages: 2,
      other: true,
      pools: [],
    };
    expect(revisionSequences(space, 10)).toEqual({
      problem: expect.objectContaining({ constraint: "one-revision" }),
    });
  });
});

describe("pathShape: skip-worker pools", () => {
  const chain = ["1.29.1", "1.30.1", "1.31.1", "1.32.1", "1.33.1", "1.34.1"];
  const bumps = chain.slice(1).map((_, i) => ({ kubernetes: i + 1, os: 0, other: false }));
  const space: PathSpace = {
    kubernetes: chain,
    osImages: 0,
    other: false,
    pools: [{ name: "edge", workers: 2, policies: ["follow", "skip"] }],
  };

  it("catches a skipping pool up as late as N-3 allows: before the fourth minor, and at the end", () => {
    const shape = pathShape(space, bumps, { edge: "skip" });
    expect(
      shape.steps.map((s) =>
        s.kind === "catch-up" ? `catch-up@${s.state.kubernetes}` : `r${s.state.kubernetes}`,
      ),
    ).toEqual(["r1", "r2", "r3", "catch-up@3", "r4", "r5", "catch-up@5"]);
  });

  it("three minors: one catch-up at the end", () => {
    const three = { ...space, kubernetes: chain.slice(0, 4) };
    const shape = pathShape(three, bumps.slice(0, 3), { edge: "skip" });
    expect(shape.steps.filter((s) => s.kind === "catch-up")).toHaveLength(1);
    expect(shape.steps[shape.steps.length - 1]).toMatchObject({ kind: "catch-up", state: { kubernetes: 3 } });
  });

  it("a following pool has no catch-up", () => {
    expect(pathShape(space, bumps, { edge: "follow" }).steps.every((s) => s.kind === "revision")).toBe(true);
  });

  it("a caught-up pool follows an OS-only revision", () => {
    const oneMinor = { ...space, kubernetes: chain.slice(0, 2), osImages: 1 };
    const shape = pathShape(
      oneMinor,
      [
        { kubernetes: 0, os: 1, other: false },
        { kubernetes: 1, os: 1, other: false },
      ],
      {
        edge: "skip",
      },
    );
    // The OS revision reaches the pool; the bump does not, so it catches up after it.
    expect(shape.steps.map((s) => s.kind)).toEqual(["revision", "revision", "catch-up"]);
  });

  it("enumerates each sequence under every policy combination", () => {
    expect(policyCombinations(space.pools)).toEqual([{ edge: "follow" }, { edge: "skip" }]);
    const found = enumeratePaths({ ...space, kubernetes: chain.slice(0, 3) });
    if ("problem" in found) throw new Error(found.problem.message);
    expect(found.shapes).toHaveLength(2);
  });
});
