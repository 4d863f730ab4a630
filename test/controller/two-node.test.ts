import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { twoNodeOrder, writeOutages, writeOutageTotal } from "../../src/controller/two-node.js";
import { runScenario } from "../../src/scenario/run.js";
import { formatDiagnostic, InputError } from "../../src/shared/diagnostics.js";
import { Rng } from "../../src/shared/rng.js";
import type { Behavior } from "../../src/shared/types.js";
import { simulate } from "../../src/sim/simulate.js";
import type { SimulationResult, TimelineEntry } from "../../src/sim/types.js";
import { type InputOptions, makeInput, simProfile } from "../sim/fixtures.js";

/** A two-node cluster (leader `leader`) and one worker, updated base → next with `behavior`. */
function twoNodeRun(
  behavior: Behavior,
  options: { seed?: number; leader?: string; events?: InputOptions["events"] } = {},
): SimulationResult {
  return simulate(
    makeInput({
      seed: options.seed ?? 7,
      controlPlanes: 2,
      workers: 1,
      twoNode: { leader: options.leader ?? "cp-1" },
      table: { "base->next": behavior },
      ...(options.events ? { events: options.events } : {}),
    }),
  );
}

const at = (timeline: readonly TimelineEntry[], event: string, node?: string) =>
  timeline.find((e) => e.event === event && (node === undefined || e.node === node));

describe("two-node order: one of the two control planes, picked by the seed, goes first", () => {
  it("puts the drawn control plane first and leaves the workers after both", () => {
    const queue = [
      { name: "cp-1", role: "control-plane" },
      { name: "cp-2", role: "control-plane" },
      { name: "worker-1", role: "worker" },
    ];
    const firsts = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const order = twoNodeOrder(queue, new Rng(seed)).map((n) => n.name);
      expect(order.slice(2)).toEqual(["worker-1"]);
      expect([...order.slice(0, 2)].sort()).toEqual(["cp-1", "cp-2"]);
      firsts.add(order[0] as string);
      // The same seed, the same pick.
      expect(twoNodeOrder(queue, new Rng(seed)).map((n) => n.name)).toEqual(order);
    }
    expect(firsts).toEqual(new Set(["cp-1", "cp-2"]));
  });

  it("draws nothing when only one control plane is queued", () => {
    const rng = new Rng(3);
    const queue = [
      { name: "cp-2", role: "control-plane" },
      { name: "worker-1", role: "worker" },
    ];
    expect(twoNodeOrder(queue, rng)).toEqual(queue);
    expect(rng.next()).toBe(new Rng(3).next());
  });
});

describe("write outages read from a timeline", () => {
  it("sums closed spans and counts an open one to the end", () => {
    const timeline = [
      { t: 10, event: "write-outage-started", node: "cp-1" },
      { t: 25, event: "write-outage-ended", node: "cp-1" },
      { t: 40, event: "write-outage-started", node: "cp-1" },
    ];
    const spans = writeOutages(timeline);
    expect(spans).toEqual([
      { node: "cp-1", startMs: 10, endMs: 25 },
      { node: "cp-1", startMs: 40 },
    ]);
    expect(writeOutageTotal(spans, 100)).toBe(15 + 60);
  });
});

describe("a two-node upgrade in the simulation (Two-Node Architecture § Upgrade Behavior)", () => {
  it("pauses the probes before the first control plane moves and resumes them once both are back, before any worker", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = twoNodeRun("repave", { seed });
      const paused = at(r.timeline, "liveness-probes-paused");
      const resumed = at(r.timeline, "liveness-probes-resumed");
      if (paused?.event !== "liveness-probes-paused" || !resumed)
        throw new Error(`seed ${seed}: no probe entries`);
      const firstCordon = r.timeline.find((e) => e.event === "node-cordoned");
      expect(firstCordon?.node).toBe(paused.first);
      expect(paused.t).toBeLessThanOrEqual(firstCordon?.t ?? -1);
      const rejoins = r.timeline.filter((e) => e.event === "node-rejoined" && e.node?.startsWith("cp-"));
      expect(rejoins).toHaveLength(2);
      expect(resumed.t).toBe(Math.max(...rejoins.map((e) => e.t)));
      const workerCordon = at(r.timeline, "node-cordoned", "worker-1");
      expect(r.timeline.indexOf(resumed)).toBeLessThan(r.timeline.indexOf(workerCordon as TimelineEntry));
      expect(r.result).toBe("converged");
    }
  });

  it("lets the seed choose which node goes first, over seeds both ways", () => {
    const firsts = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const r = twoNodeRun("reboot", { seed });
      firsts.add(r.timeline.find((e) => e.event === "action-started")?.node as string);
    }
    expect(firsts).toEqual(new Set(["cp-1", "cp-2"]));
  });

  it("has writes unavailable exactly while the leader is in its action and rejoining, not during the follower's", () => {
    for (const leader of ["cp-1", "cp-2"]) {
      const r = twoNodeRun("repave", { leader });
      const started = at(r.timeline, "action-started", leader);
      const rejoined = at(r.timeline, "node-rejoined", leader);
      const spans = writeOutages(r.timeline);
      expect(spans).toEqual([{ node: leader, startMs: started?.t, endMs: rejoined?.t }]);
      expect(r.writeOutageMs).toBe((rejoined?.t ?? 0) - (started?.t ?? 0));
      expect(r.writeOutageMs).toBeGreaterThan(0);
      const ended = at(r.timeline, "write-outage-ended", leader);
      expect(ended?.event === "write-outage-ended" && ended.durationMs).toBe(r.writeOutageMs);
    }
  });

  it("keeps writes up for a configuration reload or a networking restart, and pauses no probe for a reload", () => {
    const reload = twoNodeRun("config-reload");
    expect(reload.writeOutageMs).toBe(0);
    expect(at(reload.timeline, "liveness-probes-paused")).toBeUndefined();
    // The fixtures' service restart restarts networking only: Kine and Postgres keep serving.
    const restart = twoNodeRun("service-restart");
    expect(restart.writeOutageMs).toBe(0);
    expect(at(restart.timeline, "liveness-probes-paused")).toBeDefined();
  });

  it("keeps the outage open while the leader is Failed, until its retry brings it back", () => {
    const r = twoNodeRun("reboot", {
      seed: 3,
      events: [
        { at: 0, type: "node-fail", node: "cp-1", action: "reboot" },
        { at: 60_000, type: "update", profile: "next" },
      ],
    });
    const spans = writeOutages(r.timeline);
    expect(spans).toHaveLength(1);
    const retried = at(r.timeline, "action-retried", "cp-1");
    const rejoined = r.timeline.filter((e) => e.event === "node-rejoined" && e.node === "cp-1").at(-1);
    expect(retried).toBeDefined();
    expect(spans[0]?.endMs).toBe(rejoined?.t);
    expect(r.result).toBe("converged");
  });

  it("refuses a two-node cluster of three control planes, or on RKE2, naming the place and the page", () => {
    const three = () => simulate(makeInput({ controlPlanes: 3, workers: 0, twoNode: { leader: "cp-1" } }));
    expect(three).toThrow(InputError);
    expect(three).toThrow(
      /cluster\.controlPlanes.*exactly 2 control planes \(Two-Node Architecture § Limitations\)/,
    );
    const rke2 = simProfile("base");
    rke2.profile.distribution = "rke2";
    const onRke2 = () =>
      simulate(
        makeInput({
          controlPlanes: 2,
          workers: 0,
          twoNode: { leader: "cp-1" },
          profiles: [rke2, simProfile("next")],
        }),
      );
    expect(onRke2).toThrow(/K3s and Canonical only, not rke2.*rule two-node\.distribution/);
  });

  it("refuses an update that would move a two-node cluster to a distribution it does not support, when published", () => {
    const next = simProfile("next");
    next.profile.distribution = "pxk-e";
    const r = simulate(
      makeInput({
        controlPlanes: 2,
        workers: 0,
        twoNode: { leader: "cp-1" },
        profiles: [simProfile("base"), next],
      }),
    );
    expect(r.refused.map((x) => x.rule)).toEqual(["two-node.distribution"]);
    expect(r.timeline.some((e) => e.event === "action-started")).toBe(false);
    expect(r.finalProfile).toBe("base");
  });
});

const SCENARIOS = resolve(import.meta.dirname, "../../scenarios");

describe("two-node scenarios", () => {
  it("the bundled story passes, its write outage in run --json equal to the leader's time down", () => {
    const run = runScenario(join(SCENARIOS, "story-two-node-k3s-write-outage.yaml"));
    expect(run.passed).toBe(true);
    const started = at(run.timeline, "write-outage-started");
    const ended = at(run.timeline, "write-outage-ended");
    expect(run.writeOutageMs).toBe((ended?.t ?? 0) - (started?.t ?? 0));
    expect(started?.node).toBe("cp-1");
  });

  it.each([
    [
      "cluster: { controlPlanes: 3, workers: 0, twoNode: true }\nprofile: P/k3s-base.yaml\n",
      "s.yaml:2:27: cluster.controlPlanes: a two-node cluster has exactly 2 control planes",
    ],
    [
      "cluster: { controlPlanes: 2, workers: 0, twoNode: true, mode: sysext }\nprofile: P/k3s-base.yaml\n",
      "s.yaml:2:63: cluster.mode: two-node clusters do not support systemd extensions",
    ],
    [
      "cluster: { controlPlanes: 2, workers: 0, twoNode: true }\nprofile: P/rke2-base.yaml\n",
      "s.yaml:2:51: cluster.twoNode: two-node clusters support K3s and Canonical only, not rke2",
    ],
    [
      "cluster: { controlPlanes: 2, workers: 0 }\nprofile: P/k3s-base.yaml\nexpect: { writeOutage: { max: 1m } }\n",
      "s.yaml:4:24: expect.writeOutage: needs cluster.twoNode: true",
    ],
  ])("a bad two-node scenario is an input error at its place: %s", (body, message) => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-two-node-"));
    const file = join(dir, "s.yaml");
    writeFileSync(file, `name: s\n${body.replace("P/", `${join(SCENARIOS, "profiles")}/`)}`);
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

describe("plan --two-node", () => {
  async function plan(...args: string[]) {
    const io = memoryIo();
    const code = await main(["plan", ...args], io);
    return { code, out: io.out, err: io.err };
  }
  const P = join(SCENARIOS, "profiles");

  it("estimates the write outage of a K3s upgrade on two control planes", async () => {
    const { code, out } = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-kubernetes-upgrade.yaml`,
      "--two-node",
      "--workers",
      "1",
      "--json",
    );
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.estimate.controlPlanes).toBe(2);
    const leader = json.estimate.nodes.find((n: { node: string }) => n.node === "cp-1");
    expect(json.estimate.twoNode).toMatchObject({ leader: "cp-1" });
    expect(json.estimate.twoNode.writeOutageMs).toBe(leader.readyMs - leader.startMs);
  });

  it("refuses RKE2 (exit 2, the rule named) and a third control plane (exit 1, the option named)", async () => {
    const rke2 = await plan(
      `${P}/rke2-base.yaml`,
      `${P}/rke2-kubernetes-upgrade.yaml`,
      "--two-node",
      "--json",
    );
    expect(rke2.code).toBe(2);
    expect(JSON.parse(rke2.out).unsupported).toEqual([
      expect.objectContaining({ rule: "two-node.distribution" }),
    ]);
    const three = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-kubernetes-upgrade.yaml`,
      "--two-node",
      "--control-planes",
      "3",
    );
    expect(three.code).toBe(1);
    expect(three.err).toContain(
      "--control-planes: a two-node cluster (--two-node) has exactly 2 control planes",
    );
  });
});
