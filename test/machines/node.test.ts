import { describe, expect, it } from "vitest";
import { createActor, initialTransition, transition } from "xstate";
import {
  FALLBACK_REASON,
  type NodeEvent,
  type NodeInput,
  type NodeJob,
  nodeMachine,
} from "../../src/machines/node.js";
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
    drainTimeoutMs: 60_000,
    durations: DURATIONS,
    ...overrides,
  };
}

const INPUT = { name: "worker-1", role: "worker" as const, profile: "base", osImage: "image:base" };

/** Runs one node actor on a virtual clock; returns the states it went through, with virtual times. */
function run(
  events: NodeEvent[],
  onFailed?: (send: (e: NodeEvent) => void) => void,
  input: NodeInput = INPUT,
) {
  const clock = new VirtualClock();
  const actor = createActor(nodeMachine, { clock, input });
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
    expect(armed.context.armed).toEqual([{ id: -1, action: "reboot", remaining: 2 }]);
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

/** Runs one node actor, sending `down` and `up` (Kubernetes) at the given virtual times; returns the path and emitted types. */
function runWithOutage(start: NodeJob, downAt: number, upAt: number) {
  const clock = new VirtualClock();
  const actor = createActor(nodeMachine, { clock, input: INPUT });
  const path: [string, number][] = [];
  const emitted: [string, number][] = [];
  actor.on("*", (e) => emitted.push([e.type, clock.now]));
  actor.subscribe((s) => {
    const state = String(s.value);
    if (path.at(-1)?.[0] !== state) path.push([state, clock.now]);
  });
  actor.start();
  actor.send({ type: "START", job: start });
  clock.schedule(downAt, () => actor.send({ type: "KUBERNETES_DOWN" }));
  clock.schedule(upAt, () => actor.send({ type: "KUBERNETES_UP" }));
  clock.runUntilIdle();
  return { path, emitted, context: actor.getSnapshot().context };
}

// Kubernetes docs, Nodes § Node heartbeats: a node reports Ready through the API server.
describe("node machine: no rejoin while Kubernetes is down", () => {
  it("an action that ends during the outage waits to rejoin, then rejoins the whole rejoin time after it is back", () => {
    // Rebooting 47 s → 287 s; Kubernetes down at 100 s, back at 600 s.
    const { path, emitted, context } = runWithOutage(job("reboot"), 100_000, 600_000);
    expect(path).toEqual([
      ["Ready", 0],
      ["Cordoned", 0],
      ["Draining", 2_000],
      ["Rebooting", 47_000],
      ["WaitingToRejoin", 287_000],
      ["Rejoining", 600_000],
      ["Ready", 660_000],
    ]);
    expect(emitted).toContainEqual(["node-rejoin-waiting", 287_000]);
    expect(emitted.filter(([type]) => type === "node-rejoined")).toEqual([["node-rejoined", 660_000]]);
    expect(context.profile).toBe("next");
    expect(context.job).toBeNull();
  });

  it("an outage that begins during the rejoin holds it at its end", () => {
    // Rejoining 287 s → 347 s; Kubernetes down at 300 s, back at 500 s.
    const { path, emitted } = runWithOutage(job("repave"), 300_000, 500_000);
    expect(path.slice(-4)).toEqual([
      ["Rejoining", 287_000],
      ["WaitingToRejoin", 347_000],
      ["Rejoining", 500_000],
      ["Ready", 560_000],
    ]);
    expect(emitted).toContainEqual(["node-rejoin-waiting", 347_000]);
  });

  it("a configuration reload that ends during the outage is Ready when Kubernetes is back", () => {
    const { path, emitted, context } = runWithOutage(job("config-reload"), 100_000, 400_000);
    expect(path).toEqual([
      ["Ready", 0],
      ["ConfigReloading", 0],
      ["WaitingToRejoin", 240_000],
      ["Ready", 400_000],
    ]);
    expect(emitted.map(([type]) => type)).toEqual([
      "action-started",
      "action-finished",
      "node-rejoin-waiting",
      "node-ready",
    ]);
    expect(context.job).toBeNull();
  });

  it("an outage over before the action ends changes nothing", () => {
    const { path } = runWithOutage(job("reboot"), 100_000, 200_000);
    expect(path.map(([s]) => s)).not.toContain("WaitingToRejoin");
    expect(path.at(-1)).toEqual(["Ready", 347_000]);
  });
});

describe("node machine with A/B partitions", () => {
  const AB: NodeInput = { ...INPUT, abPartitions: true, abFallback: "rejoin" };

  it("starts with both partitions on the install image", () => {
    const [ready] = initialTransition(nodeMachine, AB);
    expect(ready.context).toMatchObject({
      osImage: "image:base",
      passiveImage: "image:base",
      fallback: null,
    });
  });

  it("a repave that boots makes the transitional image active and the old active passive", () => {
    const { path, context, state } = run(
      [{ type: "START", job: job("repave", { targetOsImage: "image:v2" }) }],
      undefined,
      { ...AB, passiveImage: "image:v0" },
    );
    expect(path.map(([s]) => s)).toEqual(["Ready", "Cordoned", "Draining", "Repaving", "Rejoining", "Ready"]);
    expect(state).toBe("Ready");
    // image:v0, the old passive, is discarded.
    expect(context).toMatchObject({ profile: "next", osImage: "image:v2", passiveImage: "image:base" });
    expect(context.job).toBeNull();
  });

  it("a repave whose image does not boot falls back: Ready on the old image and profile, job kept", () => {
    const { path, context, state } = run(
      [
        { type: "ARM_FAILURE", action: "repave" },
        { type: "START", job: job("repave") },
      ],
      undefined,
      AB,
    );
    expect(path).toEqual([
      ["Ready", 0],
      ["Cordoned", 0],
      ["Draining", 2_000],
      ["Repaving", 47_000],
      ["Rejoining", 287_000],
      ["Ready", 347_000],
    ]);
    expect(state).toBe("Ready");
    expect(context).toMatchObject({
      profile: "base",
      osImage: "image:base",
      passiveImage: "image:base",
      fallback: { from: "image:next", to: "image:base" },
      failureReason: FALLBACK_REASON,
      attempts: 1,
    });
    expect(context.job?.action).toBe("repave");
  });

  it("RETRY after a fallback cordons, drains and repaves again; a boot then completes the job", () => {
    const clock = new VirtualClock();
    const actor = createActor(nodeMachine, { clock, input: AB });
    const states: string[] = [];
    actor.subscribe((s) => {
      if (states.at(-1) !== String(s.value)) states.push(String(s.value));
    });
    actor.start();
    actor.send({ type: "ARM_FAILURE", action: "any" });
    actor.send({ type: "START", job: job("repave") });
    clock.runUntilIdle();
    expect(actor.getSnapshot().context.fallback).not.toBeNull();
    actor.send({ type: "RETRY" });
    clock.runUntilIdle();
    expect(states).toEqual([
      "Ready",
      "Cordoned",
      "Draining",
      "Repaving",
      "Rejoining",
      "Ready",
      "Cordoned",
      "Draining",
      "Repaving",
      "Rejoining",
      "Ready",
    ]);
    expect(actor.getSnapshot().context).toMatchObject({
      profile: "next",
      osImage: "image:next",
      passiveImage: "image:base",
      fallback: null,
      job: null,
      started: { repave: 2 },
    });
  });

  it("RETRY after a fallback without cordon drains straight away", () => {
    const [ready] = initialTransition(nodeMachine, AB);
    const [armed] = transition(nodeMachine, ready, { type: "ARM_FAILURE", action: "repave" });
    const clock = new VirtualClock();
    const actor = createActor(nodeMachine, { clock, input: AB, snapshot: armed });
    actor.start();
    actor.send({ type: "START", job: job("repave", { cordon: false }) });
    clock.runUntilIdle();
    actor.send({ type: "RETRY" });
    expect(actor.getSnapshot().value).toBe("Draining");
  });

  it("ABANDON after a fallback drops the job: the node stays Ready on its old profile and image", () => {
    const clock = new VirtualClock();
    const actor = createActor(nodeMachine, { clock, input: AB });
    actor.start();
    actor.send({ type: "ARM_FAILURE", action: "repave" });
    actor.send({ type: "START", job: job("repave") });
    clock.runUntilIdle();
    actor.send({ type: "ABANDON" });
    expect(actor.getSnapshot().value).toBe("Ready");
    expect(actor.getSnapshot().context).toMatchObject({
      profile: "base",
      osImage: "image:base",
      job: null,
      fallback: null,
      attempts: 0,
      failureReason: null,
    });
    // Nothing left to retry.
    actor.send({ type: "RETRY" });
    expect(actor.getSnapshot().value).toBe("Ready");
  });

  it("RETRY on a Ready node that did not fall back is ignored", () => {
    const [ready] = initialTransition(nodeMachine, AB);
    const [next] = transition(nodeMachine, ready, { type: "RETRY" });
    expect(next.value).toBe("Ready");
  });

  it.each(["reboot", "service-restart"] as const)(
    "a failed %s still leaves the node Failed (only a new image can fall back)",
    (action) => {
      const { state, context } = run(
        [
          { type: "ARM_FAILURE", action },
          { type: "START", job: job(action) },
        ],
        undefined,
        AB,
      );
      expect(state).toBe("Failed");
      expect(context.fallback).toBeNull();
    },
  );

  it("without A/B partitions a failed repave leaves the node Failed", () => {
    const { state, context } = run([
      { type: "ARM_FAILURE", action: "repave" },
      { type: "START", job: job("repave") },
    ]);
    expect(state).toBe("Failed");
    expect(context.fallback).toBeNull();
    expect(context.osImage).toBe("image:base");
  });
});

describe("node machine with A/B partitions, waiting for an operator (Known Issues, 2025)", () => {
  const WAITS: NodeInput = { ...INPUT, abPartitions: true };

  it("is the default: a fallback leaves the node out of the cluster on its old image, job kept", () => {
    const { path, context, state } = run(
      [
        { type: "ARM_FAILURE", action: "repave" },
        { type: "START", job: job("repave") },
      ],
      undefined,
      WAITS,
    );
    expect(path.map(([s]) => s)).toEqual(["Ready", "Cordoned", "Draining", "Repaving", "AwaitingOperator"]);
    expect(state).toBe("AwaitingOperator");
    expect(context).toMatchObject({
      profile: "base",
      osImage: "image:base",
      fallback: { from: "image:next" },
    });
    expect(context.job?.targetProfile).toBe("next");
  });

  it("OPERATOR_RECOVER boots the active (new) image: the node rejoins on the target, the old image passive", () => {
    const clock = new VirtualClock();
    const actor = createActor(nodeMachine, { clock, input: WAITS });
    const emitted: string[] = [];
    actor.on("*", (e) => emitted.push(e.type));
    actor.start();
    actor.send({ type: "ARM_FAILURE", action: "repave" });
    actor.send({ type: "START", job: job("repave") });
    clock.runUntilIdle();
    // Nothing happens by itself: the node still waits after any time.
    expect(String(actor.getSnapshot().value)).toBe("AwaitingOperator");
    actor.send({ type: "OPERATOR_RECOVER" });
    clock.runUntilIdle();
    expect(String(actor.getSnapshot().value)).toBe("Ready");
    expect(actor.getSnapshot().context).toMatchObject({
      profile: "next",
      osImage: "image:next",
      passiveImage: "image:base",
      fallback: null,
      job: null,
    });
    expect(emitted).toEqual([
      "node-cordoned",
      "node-draining",
      "node-drained",
      "action-started",
      "action-failed",
      "image-fallback",
      "node-awaiting-operator",
      "operator-recovered",
      "node-rejoined",
    ]);
  });
});
