import { resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";

// Counts the planner's real work: every classification goes through planUpdate.
const calls = vi.hoisted(() => ({ n: 0 }));
vi.mock("../../src/rules/plan.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/rules/plan.js")>();
  return {
    ...original,
    planUpdate: (...args: Parameters<typeof original.planUpdate>) => {
      calls.n++;
      return original.planUpdate(...args);
    },
  };
});

const { memoryIo } = await import("../../src/cli/io.js");
const { main } = await import("../../src/cli/main.js");
const { formatTimelineLines } = await import("../../src/report/timeline-text.js");
const { formatFleetText } = await import("../../src/report/fleet-text.js");
const { workerExecArgv } = await import("../../src/fleet/outcomes.js");

describe("each piece of work once", () => {
  it("plans each (from, to) pair once for a whole fleet plan, not once per site", async () => {
    calls.n = 0;
    const io = memoryIo();
    const code = await main(
      [
        "fleet",
        "--clusters",
        "40",
        "--update",
        resolve("scenarios/profiles/k3s-registry-change.yaml"),
        "--json",
      ],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.out).summary.clusters).toBe(40);
    // One pair (k3s-base → k3s-registry-change) for the prediction, the 40 sites and their refusal checks.
    expect(calls.n).toBe(1);
  });

  it("plans each pair once for `run FLEET` (refusals and every cluster's controller share it)", async () => {
    calls.n = 0;
    const io = memoryIo();
    // Five clusters, all on k3s-base, all rolled to one update: one pair.
    await main(["run", "scenarios/fleet/retail-wave-converges-two-at-a-time.yaml", "--json"], io);
    const run = JSON.parse(io.out) as { clusters: { result: string }[] };
    expect(run.clusters.filter((c) => c.result === "converged")).toHaveLength(5);
    expect(calls.n).toBe(1);
  });
});

describe("outputs past the spread limit", () => {
  it("formats a text timeline of 200,000 entries (Math.max(...list) would overflow the stack)", () => {
    const timeline = Array.from({ length: 200_000 }, (_, i) => ({
      t: i * 1000,
      node: `n-${i % 7}`,
      event: "x",
    }));
    const lines = formatTimelineLines(timeline);
    expect(lines).toHaveLength(200_000);
    expect(lines[199_999]).toBe("55:33:19  n-2   x");
  });

  it("formats a fleet table of 150,000 clusters", () => {
    const clusters = Array.from({ length: 150_000 }, (_, i) => ({
      name: `c-${i}`,
      result: "converged",
      behavior: "repave",
      startMs: 0,
      endMs: 60_000,
      controlPlanes: 1,
      workers: 3,
    }));
    const text = formatFleetText(
      {
        name: "big",
        result: "converged",
        behavior: "repave",
        concurrency: 10,
        durationMs: 60_000,
        maxConcurrentClusters: 10,
        clusters,
        timeline: [],
      },
      { quiet: true },
    );
    expect(text.split("\n")[150_000]).toBe("c-149999  1+3    00:00:00  00:01:00  converged  repave");
  });
});

describe("worker threads", () => {
  it("drop the flags of the process's own entry (node --input-type=module -e …) and keep the others", () => {
    expect(
      workerExecArgv([
        "--max-old-space-size=4096",
        "--input-type=module",
        "-e",
        "await main()",
        "--expose-gc",
      ]),
    ).toEqual(["--max-old-space-size=4096", "--expose-gc"]);
    expect(workerExecArgv(["--eval=1", "-p", "2", "--enable-source-maps"])).toEqual(["--enable-source-maps"]);
  });
});
