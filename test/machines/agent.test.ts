import { describe, expect, it } from "vitest";
import { createActor, initialTransition, transition } from "xstate";
import { type AgentEvent, agentMachine, agentRecord } from "../../src/machines/agent.js";
import { VirtualClock } from "../../src/sim/clock.js";

const INPUT = { profile: "base", restartMs: 30_000 };

function apply(events: AgentEvent[]) {
  let [snapshot] = initialTransition(agentMachine, INPUT);
  for (const event of events) [snapshot] = transition(agentMachine, snapshot, event);
  return snapshot;
}

describe("agent machine", () => {
  it("applies an update at once when Kubernetes is up", () => {
    const s = apply([{ type: "UPDATE", profile: "next" }]);
    expect(s.value).toBe("Applying");
    expect(agentRecord(s.context)).toMatchObject({ target: "next", pending: null, doneNodes: [] });
  });

  it("blocks while Kubernetes is down and coalesces updates to the latest", () => {
    const blocked = apply([
      { type: "KUBERNETES_DOWN" },
      { type: "UPDATE", profile: "next" },
      { type: "UPDATE", profile: "latest" },
    ]);
    expect(blocked.value).toBe("BlockedKubernetesDown");
    expect(blocked.context.record.pending).toBe("latest");
    const [resumed] = transition(agentMachine, blocked, { type: "KUBERNETES_UP" });
    expect(resumed.value).toBe("Applying");
    expect(resumed.context.record).toMatchObject({ target: "latest", pending: null });
  });

  it("an update during a rollout waits for it, then is applied", () => {
    const applying = apply([
      { type: "UPDATE", profile: "next" },
      { type: "UPDATE", profile: "latest" },
    ]);
    expect(applying.value).toBe("Applying");
    expect(applying.context.record).toMatchObject({ target: "next", pending: "latest" });
    const [after] = transition(agentMachine, applying, { type: "ROLLOUT_FINISHED" });
    expect(after.value).toBe("Applying");
    expect(after.context.record).toMatchObject({ target: "latest", pending: null, applied: "next" });
  });

  // Release Notes, 4.9.14 (Edge bug fixes): no upgrade proceeds while a previous one has not completed.
  it("after an outage mid-rollout, carries on with its rollout; the update that arrived meanwhile waits", () => {
    const s = apply([
      { type: "UPDATE", profile: "next" },
      { type: "KUBERNETES_DOWN" },
      { type: "UPDATE", profile: "latest" },
      { type: "KUBERNETES_UP" },
    ]);
    expect(s.value).toBe("Applying");
    expect(s.context.record).toMatchObject({ target: "next", pending: "latest" });
    const [next] = transition(agentMachine, s, { type: "ROLLOUT_FINISHED" });
    expect(next.value).toBe("Applying");
    expect(next.context.record).toMatchObject({ target: "latest", pending: null, applied: "next" });
  });

  it("records done nodes, and forgets them when the rollout finishes", () => {
    const s = apply([
      { type: "UPDATE", profile: "next" },
      { type: "NODE_DONE", node: "cp-1" },
      { type: "NODE_DONE", node: "cp-2" },
    ]);
    expect(agentRecord(s.context).doneNodes).toEqual(["cp-1", "cp-2"]);
    const [idle] = transition(agentMachine, s, { type: "ROLLOUT_FINISHED" });
    expect(idle.value).toBe("Idle");
    expect(agentRecord(idle.context)).toEqual({
      target: null,
      doneNodes: [],
      pending: null,
      applied: "next",
      failure: null,
    });
  });

  it("a failed rollout stops the agent and keeps later updates pending", () => {
    const s = apply([
      { type: "UPDATE", profile: "next" },
      { type: "ROLLOUT_FAILED", reason: "worker-1: reboot failed" },
      { type: "UPDATE", profile: "latest" },
    ]);
    expect(s.value).toBe("Failed");
    expect(s.context.record).toMatchObject({ failure: "worker-1: reboot failed", pending: "latest" });
  });

  it("restart mid-rollout: down for restartMs, ignoring work, then resumes from its record", () => {
    const clock = new VirtualClock();
    const actor = createActor(agentMachine, { clock, input: INPUT });
    const states: [string, number][] = [];
    actor.subscribe((s) => states.push([String(s.value), clock.now]));
    actor.start();
    actor.send({ type: "UPDATE", profile: "next" });
    actor.send({ type: "NODE_DONE", node: "cp-1" });
    clock.schedule(1_000, () => {
      actor.send({ type: "AGENT_RESTART" });
      actor.send({ type: "NODE_DONE", node: "cp-2" }); // the agent is down: not recorded
      actor.send({ type: "UPDATE", profile: "latest" }); // published meanwhile: read on resume
    });
    clock.runUntilIdle();
    const s = actor.getSnapshot();
    expect(s.value).toBe("Applying");
    expect(states.filter(([v]) => v === "Restarting")[0]).toEqual(["Restarting", 1_000]);
    expect(states.at(-1)).toEqual(["Applying", 31_000]);
    expect(agentRecord(s.context)).toMatchObject({ target: "next", doneNodes: ["cp-1"], pending: "latest" });
  });

  // Found by test/sim/invariants.test.ts (with the controller regression test "agent restart" →
  // "Kubernetes back while the agent restarts").
  it.each([
    { name: "Kubernetes back while it restarts: carries on, the update waits", up: true, target: "next" },
    { name: "Kubernetes still down when it resumes: carries on", up: false, target: "next" },
  ])("restart during an outage mid-rollout, $name", ({ up, target }) => {
    const clock = new VirtualClock();
    const actor = createActor(agentMachine, { clock, input: INPUT }).start();
    actor.send({ type: "UPDATE", profile: "next" });
    actor.send({ type: "KUBERNETES_DOWN" });
    actor.send({ type: "UPDATE", profile: "latest" });
    actor.send({ type: "AGENT_RESTART" });
    if (up) actor.send({ type: "KUBERNETES_UP" });
    clock.runUntilIdle();
    expect(actor.getSnapshot().value).toBe("Applying");
    expect(actor.getSnapshot().context.record).toMatchObject({ target, pending: "latest" });
    expect(actor.getSnapshot().context.upWhileRestarting).toBe(false);
  });

  it("a restart with Kubernetes up throughout does not retarget (the update waits for the rollout)", () => {
    const clock = new VirtualClock();
    const actor = createActor(agentMachine, { clock, input: INPUT }).start();
    actor.send({ type: "UPDATE", profile: "next" });
    actor.send({ type: "UPDATE", profile: "latest" });
    actor.send({ type: "AGENT_RESTART" });
    actor.send({ type: "KUBERNETES_UP" });
    clock.runUntilIdle();
    expect(actor.getSnapshot().context.record).toMatchObject({ target: "next", pending: "latest" });
  });

  it("restart while blocked resumes blocked, with the latest pending", () => {
    const clock = new VirtualClock();
    const actor = createActor(agentMachine, { clock, input: INPUT }).start();
    actor.send({ type: "KUBERNETES_DOWN" });
    actor.send({ type: "UPDATE", profile: "next" });
    actor.send({ type: "AGENT_RESTART" });
    actor.send({ type: "UPDATE", profile: "latest" });
    clock.runUntilIdle();
    expect(actor.getSnapshot().value).toBe("BlockedKubernetesDown");
    expect(actor.getSnapshot().context.record.pending).toBe("latest");
  });
});
