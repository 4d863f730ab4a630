import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { formatDiagnostic, InputError } from "../../src/shared/diagnostics.js";
import { simulate } from "../../src/sim/simulate.js";
import type { SimInputEvent } from "../../src/sim/types.js";
import { makeInput } from "../sim/fixtures.js";

/*
 * Known Issues (August 28, 2025, Edge): a host that fell back to its passive partition after an OS image
 * upgrade does not rejoin the cluster on its own. abFallback: operator (the default) waits for a `recover`.
 */
const MIN = 60_000;

function run(events: SimInputEvent[]) {
  return simulate(
    makeInput({
      controlPlanes: 1,
      workers: 2,
      abPartitions: true,
      table: { "base->next": "repave" },
      events: [
        { at: 0, type: "node-fail", node: "worker-1", action: "repave" },
        { at: MIN, type: "update", profile: "next" },
        ...events,
      ],
    }),
  );
}

describe("an A/B fallback waits for an operator", () => {
  it("holds the rollout while the node is out (no worker past maxUnavailable starts), and ends blocked without one", () => {
    const r = run([]);
    expect(r.result).toBe("blocked");
    expect(r.nodes.find((n) => n.name === "worker-1")).toMatchObject({
      state: "AwaitingOperator",
      profile: "base",
    });
    expect(r.nodes.find((n) => n.name === "worker-2")?.actions.repave ?? 0).toBe(0);
    expect(r.timeline.some((e) => e.event === "action-retried")).toBe(false);
  });

  it("goes on once an operator recovers the node: it ends on the new image without a second repave", () => {
    const r = run([{ at: 3 * 60 * MIN, type: "operator-recover", node: "worker-1" }]);
    expect(r.result).toBe("converged");
    const worker1 = r.nodes.find((n) => n.name === "worker-1");
    expect(worker1).toMatchObject({
      state: "Ready",
      profile: "next",
      osImage: "image:next",
      activeImage: "image:next",
    });
    expect(worker1?.actions.repave).toBe(1);
    const recovered = r.timeline.find((e) => e.event === "operator-recovered");
    const worker2Starts = r.timeline.find((e) => e.event === "node-cordoned" && e.node === "worker-2");
    expect(recovered?.t).toBe(3 * 60 * MIN);
    expect(worker2Starts?.t ?? 0).toBeGreaterThan(recovered?.t ?? Number.POSITIVE_INFINITY);
  });

  it("records an operator who recovers a node that is not waiting, and changes nothing", () => {
    const r = run([{ at: 2 * MIN, type: "operator-recover", node: "worker-2" }]);
    const entry = r.timeline.find((e) => e.event === "operator-recover");
    expect(entry).toMatchObject({ node: "worker-2", waiting: false });
    expect(r.result).toBe("blocked");
  });

  it("rejoins by itself with abFallback: rejoin, as before", () => {
    const r = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 2,
        abPartitions: true,
        abFallback: "rejoin",
        table: { "base->next": "repave" },
        events: [
          { at: 0, type: "node-fail", node: "worker-1", action: "repave" },
          { at: MIN, type: "update", profile: "next" },
        ],
      }),
    );
    expect(r.result).toBe("converged");
    expect(r.nodes.find((n) => n.name === "worker-1")?.actions.repave).toBe(2);
  });
});

describe("scenario input for operator recovery", () => {
  const P = resolve(import.meta.dirname, "../../scenarios/profiles");
  it.each([
    [
      "cluster: { controlPlanes: 1, workers: 1 }\nprofile: P/k3s-base.yaml\nevents:\n  - { at: 1m, recover: worker-1 }\n",
      "s.yaml:5:24: events[0].recover: only a node that fell back and waits for an operator can be recovered",
    ],
    [
      "cluster: { controlPlanes: 1, workers: 1, abPartitions: true }\nprofile: P/k3s-base.yaml\nevents:\n  - { at: 1m, recover: worker-9 }\n",
      's.yaml:5:24: events[0].recover: this cluster has no node "worker-9"',
    ],
    [
      "cluster: { controlPlanes: 1, workers: 1, abFallback: operator }\nprofile: P/k3s-base.yaml\n",
      "s.yaml:2:54: cluster.abFallback: needs cluster.abPartitions: true",
    ],
  ])("is refused at its place: %s", (body, message) => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-ab-"));
    const file = join(dir, "s.yaml");
    writeFileSync(file, `name: s\n${body.replace("P/", `${P}/`)}`);
    let error: unknown;
    try {
      runScenario(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    const text = (error as InputError).diagnostics
      .map((d) => formatDiagnostic(d).replace(`${dir}/`, ""))
      .join("\n");
    expect(text).toContain(message);
  });
});
