import { describe, expect, it } from "vitest";
import { createActor, initialTransition, transition } from "xstate";
import { type NodeEvent, type NodeJob, nodeMachine } from "../../src/machines/node.js";
import { VirtualClock } from "../../src/sim/clock.js";
import type { NodeAction } from "../../src/sim/types.js";

const DURATIONS = { cordonMs: 2_000, drainMs: 45_000, actionMs: 240_000, rejoinMs: 60_000 };

function job(action: NodeAction, overrides: Partial<NodeJob> = {}): NodeJob {
  return {
    action,
    targetProfile: "next",
    targetOsImage: "image:next",
    services: action === "service-restart" ? ["networking"] : [],
    cordon: action !== "config-reload",
    durations: DURATIONS,
    ...overrides,
  };
}

const INPUT = { name: "worker-1", role: "worker" as const, profile: "base", osImage: "image:base" };

/** Runs one node actor on a virtual clock; returns the states it went through, with virtual times. */
function run(events: NodeEvent[], onFailed?: (send: (e: NodeEvent) => void) => void) {
  const clock = new VirtualClock();
  const actor = createActor(nodeMachine, { clock, input: INPUT });
  const path: [string, number][] = [];
  actor.subscribe((s) => {
    const state = String(s.value);
    if (path.at(-1)?.[0] === state) return;
    path.push([state, clock.now]);
    if (state === "Failed" && onFailed) onFailed((e) => clock.schedule(0, () => actor.send(e)));
  });
  actor.start();
  for (const e of events) actor.send(e);
  clock.runUntilIdle();
  return { path, context: actor.getSnapshot().context, state: String(actor.getSnapshot().value) };
}

describe("node machine (pure transitions)", () => {
  const [ready] = initialTransition(nodeMachine, INPUT);

  it.each([
    ["repave", "Cordoned"],
    ["reboot", "Cordoned"],
    ["service-restart", "Cordoned"],
    ["config-reload", "ConfigReloading"],
  ] as const)("START %s goes to %s", (action, state) => {
    const [next] = transition(nodeMachine, ready, { type: "START", job: job(action) });
    expect(next.value).toBe(state);
    expect(next.context.job?.action).toBe(action);
  });

  it("skips Cordoned when the drain policy says cordon: false", () => {
    const [next] = transition(nodeMachine, ready, { type: "START", job: job("reboot", { cordon: false }) });
    expect(next.value).toBe("Draining");
  });

  it("ADOPT takes the profile without leaving Ready", () => {
    const [next] = transition(nodeMachine, ready, { type: "ADOPT", profile: "next" });
    expect(next.value).toBe("Ready");
    expect(next.context.profile).toBe("next");
  });

  it("ARM_FAILURE is kept until an action consumes it", () => {
    const [armed] = transition(nodeMachine, ready, { type: "ARM_FAILURE", action: "reboot", times: 2 });
    expect(armed.context.armed).toEqual([{ action: "reboot", remaining: 2 }]);
  });
});

describe("node machine on the virtual clock", () => {
  it.each([
    ["repave", "Repaving", "image:next"],
    ["reboot", "Rebooting", "image:base"],
    ["service-restart", "RestartingServices", "image:base"],
  ] as const)("%s: Ready → Cordoned → Draining → %s → Rejoining → Ready", (action, actionState, image) => {
    const { path, context } = run([{ type: "START", job: job(action) }]);
    expect(path).toEqual([
      ["Ready", 0],
      ["Cordoned", 0],
      ["Draining", 2_000],
      [actionState, 47_000],
      ["Rejoining", 287_000],
      ["Ready", 347_000],
    ]);
    expect(context.profile).toBe("next");
    // A repave re-images the node; anything else keeps the image it had.
    expect(context.osImage).toBe(image);
    expect(context.started).toEqual({ [action]: 1 });
    expect(context.job).toBeNull();
  });

  it("without cordon, drains straight away", () => {
    const { path } = run([{ type: "START", job: job("reboot", { cordon: false }) }]);
    expect(path.map(([s]) => s)).toEqual(["Ready", "Draining", "Rebooting", "Rejoining", "Ready"]);
    expect(path[2]).toEqual(["Rebooting", 45_000]);
  });

  it("config reload neither cordons nor drains nor rejoins", () => {
    const { path, context } = run([{ type: "START", job: job("config-reload") }]);
    expect(path).toEqual([
      ["Ready", 0],
      ["ConfigReloading", 0],
      ["Ready", 240_000],
    ]);
    expect(context.profile).toBe("next");
  });

  it("an armed failure fails the action and leaves the node on its old profile", () => {
    const { state, context } = run([
      { type: "ARM_FAILURE", action: "reboot" },
      { type: "START", job: job("reboot") },
    ]);
    expect(state).toBe("Failed");
    expect(context.profile).toBe("base");
    expect(context.failureReason).toMatch(/reboot/);
  });

  it("a failure armed for another action does not fire", () => {
    const { state } = run([
      { type: "ARM_FAILURE", action: "repave" },
      { type: "START", job: job("reboot") },
    ]);
    expect(state).toBe("Ready");
  });

  it("RETRY from Failed re-runs the same action and then succeeds", () => {
    const { path, context, state } = run(
      [
        { type: "ARM_FAILURE", action: "any" },
        { type: "START", job: job("repave") },
      ],
      (send) => send({ type: "RETRY" }),
    );
    expect(path.map(([s]) => s)).toEqual([
      "Ready",
      "Cordoned",
      "Draining",
      "Repaving",
      "Failed",
      "Repaving",
      "Rejoining",
      "Ready",
    ]);
    expect(state).toBe("Ready");
    expect(context.started).toEqual({ repave: 2 });
    expect(context.osImage).toBe("image:next");
  });

  it("a failure armed twice fails the retry too", () => {
    let retries = 0;
    const { state, context } = run(
      [
        { type: "ARM_FAILURE", action: "reboot", times: 2 },
        { type: "START", job: job("reboot") },
      ],
      (send) => {
        if (retries++ === 0) send({ type: "RETRY" });
      },
    );
    expect(state).toBe("Failed");
    expect(context.attempts).toBe(2);
  });
});
