import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AnyStateMachine, initialTransition, transition } from "xstate";
import { type AgentEvent, agentMachine } from "../../src/machines/agent.js";
import {
  type CompiledScope,
  compile,
  XSTATE_INTERNALS_READ,
  XSTATE_VERIFIED,
} from "../../src/machines/compiled.js";
import { type NodeEvent, type NodeJob, nodeMachine } from "../../src/machines/node.js";
import type { NodeAction } from "../../src/sim/types.js";

/*
 * The compiled engine (src/machines/compiled.ts) against xstate's public, pure `transition()` and
 * `initialTransition()`, which return emitted events, delayed raises and cancels as data; and the xstate
 * internals the engine reads, checked on the pinned version so that an upgrade fails here, loudly.
 */

const root = resolve(import.meta.dirname, "../..");
const installed = (
  JSON.parse(readFileSync(createRequire(`${root}/package.json`).resolve("xstate/package.json"), "utf8")) as {
    version: string;
  }
).version;

describe("the xstate internals the compiled engine reads", () => {
  it("are those of the xstate version pinned, and verified, for it", () => {
    const pinned = (
      JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { dependencies: Record<string, string> }
    ).dependencies.xstate;
    expect(pinned, "xstate is pinned to an exact version").toMatch(/^\d+\.\d+\.\d+$/);
    expect(
      installed,
      `xstate ${installed} is installed, the compiled engine was checked against ${XSTATE_VERIFIED}: re-read the internals its header lists, then update XSTATE_VERIFIED`,
    ).toBe(XSTATE_VERIFIED);
    expect(pinned).toBe(XSTATE_VERIFIED);
  });

  it.each([
    ["node", nodeMachine],
    ["agent", agentMachine],
  ] as [string, AnyStateMachine][])("are all there on the %s machine", (_name, machine) => {
    const m = machine as unknown as Record<string, Record<string, unknown>>;
    for (const key of XSTATE_INTERNALS_READ.machine) expect(m, `machine.${key}`).toHaveProperty(key);
    for (const key of XSTATE_INTERNALS_READ.implementations)
      expect(m.implementations, `machine.implementations.${key}`).toHaveProperty(key);
    const rootNode = m.root as unknown as { states: Record<string, Record<string, unknown>> };
    for (const state of [rootNode as unknown as Record<string, unknown>, ...Object.values(rootNode.states)]) {
      for (const key of XSTATE_INTERNALS_READ.stateNode)
        expect(state, `stateNode.${key}`).toHaveProperty(key);
      expect(state.transitions).toBeInstanceOf(Map);
      for (const transitions of (state.transitions as Map<string, Record<string, unknown>[]>).values())
        for (const t of transitions)
          for (const key of XSTATE_INTERNALS_READ.transition)
            expect(t, `transition.${key}`).toHaveProperty(key);
    }
    expect(compile(machine), "the machine is still compiled").toBeDefined();
  });
});

/** One step's effects, as strings: what was emitted, raised later (with its delay and id), cancelled. */
type Effects = string[];

function viaXstate(machine: AnyStateMachine, input: unknown, events: unknown[]): string[] {
  const log: string[] = [];
  const describe = (
    snapshot: { value: unknown; context: unknown },
    actions: { type: string; params?: unknown }[],
  ) => {
    const effects: Effects = [];
    for (const action of actions) {
      const p = (action.params ?? {}) as Record<string, unknown>;
      if (action.type === "xstate.emit") effects.push(`emit ${JSON.stringify(p.event)}`);
      else if (action.type === "xstate.raise" && p.delay !== undefined)
        effects.push(`later ${JSON.stringify(p.event)} ${p.delay} ${p.id}`);
      else if (action.type === "xstate.cancel") effects.push(`cancel ${p.sendId}`);
    }
    log.push(`${JSON.stringify(snapshot.value)} ${JSON.stringify(snapshot.context)} ${effects.join("; ")}`);
  };
  let [snapshot, actions] = initialTransition(machine, input as never);
  describe(snapshot, actions as never);
  for (const event of events) {
    [snapshot, actions] = transition(machine, snapshot, event as never);
    describe(snapshot, actions as never);
  }
  return log;
}

function viaCompiled(machine: AnyStateMachine, input: unknown, events: unknown[]): string[] {
  const compiled = compile(machine);
  if (!compiled) throw new Error("not compiled");
  const log: string[] = [];
  let effects: Effects = [];
  const deferred: (() => void)[] = [];
  const scope: CompiledScope = {
    self: {},
    system: {},
    defer: (fn) => deferred.push(fn),
    emit: (event) => effects.push(`emit ${JSON.stringify(event)}`),
    schedule: (event, delay, id) => effects.push(`later ${JSON.stringify(event)} ${delay} ${id}`),
    cancel: (id) => effects.push(`cancel ${id}`),
  };
  const step = (snapshot: { value: unknown; context: unknown }) => {
    for (let fn = deferred.shift(); fn; fn = deferred.shift()) fn();
    log.push(`${JSON.stringify(snapshot.value)} ${JSON.stringify(snapshot.context)} ${effects.join("; ")}`);
    effects = [];
  };
  let snapshot = compiled.initial(scope, input);
  step(snapshot);
  for (const event of events) {
    snapshot = compiled.transition(snapshot, event as { type: string }, scope);
    step(snapshot);
  }
  return log;
}

const ACTIONS: NodeAction[] = ["repave", "reboot", "service-restart", "config-reload"];
const job = (action: NodeAction, cordon: boolean, ms: number): NodeJob => ({
  action,
  targetProfile: "next",
  targetOsImage: "image:next",
  services: action === "service-restart" ? ["networking"] : [],
  cordon: cordon && action !== "config-reload",
  drainTimeoutMs: 60_000,
  durations: { cordonMs: ms, drainMs: 2 * ms, actionMs: 3 * ms, rejoinMs: ms },
});
/** The delayed events the node machine raises itself, sent as if their time had come. */
const AFTER = Object.values(
  (nodeMachine.root as unknown as { states: Record<string, { transitions: Map<string, unknown> }> }).states,
)
  .flatMap((state) => [...state.transitions.keys()])
  .filter((descriptor) => descriptor.startsWith("xstate.after."))
  .map((type) => ({ type }));

const nodeEvent = fc.oneof(
  fc
    .record({
      action: fc.constantFrom(...ACTIONS),
      cordon: fc.boolean(),
      ms: fc.integer({ min: 0, max: 50 }),
    })
    .map(({ action, cordon, ms }): NodeEvent => ({ type: "START", job: job(action, cordon, ms) })),
  fc.constant<NodeEvent>({ type: "ADOPT", profile: "next" }),
  fc.constant<NodeEvent>({ type: "RETRY" }),
  fc.constant<NodeEvent>({ type: "ABANDON" }),
  fc
    .record({
      action: fc.constantFrom<NodeAction | "any">(...ACTIONS, "any"),
      times: fc.integer({ min: 1, max: 2 }),
    })
    .map((f): NodeEvent => ({ type: "ARM_FAILURE", id: 0, ...f })),
  fc.constant<NodeEvent>({ type: "KUBERNETES_DOWN" }),
  fc.constant<NodeEvent>({ type: "KUBERNETES_UP" }),
  fc.constantFrom(...AFTER),
);

const agentEvent = fc.oneof(
  fc.constantFrom("p1", "p2").map((profile): AgentEvent => ({ type: "UPDATE", profile })),
  fc.constant<AgentEvent>({ type: "KUBERNETES_DOWN" }),
  fc.constant<AgentEvent>({ type: "KUBERNETES_UP" }),
  fc.constant<AgentEvent>({ type: "AGENT_RESTART" }),
  fc.constant<AgentEvent>({ type: "ROLLOUT_FINISHED" }),
  fc.constant<AgentEvent>({ type: "NODE_DONE", node: "cp-1" }),
  fc.constant<AgentEvent>({ type: "ROLLOUT_FAILED", reason: "x" }),
  fc.constant<AgentEvent>({ type: "ROLLOUT_REFUSED" }),
);

describe("the compiled engine against xstate's public transition()", () => {
  it("sends the node machine's own delayed events too", () => {
    expect(AFTER.length).toBeGreaterThanOrEqual(4);
  });

  it("the node machine: same states, contexts, emitted events, delayed raises and cancels", () => {
    const input = { name: "cp-1", role: "control-plane", profile: "base", osImage: "image:base" };
    fc.assert(
      fc.property(fc.array(nodeEvent, { maxLength: 30 }), (events) => {
        expect(viaCompiled(nodeMachine, input, events)).toEqual(viaXstate(nodeMachine, input, events));
      }),
      { numRuns: 300 },
    );
  });

  it("the agent machine, alike", () => {
    const input = { profile: "base", restartMs: 30 };
    fc.assert(
      fc.property(fc.array(agentEvent, { maxLength: 30 }), (events) => {
        expect(viaCompiled(agentMachine, input, events)).toEqual(viaXstate(agentMachine, input, events));
      }),
      { numRuns: 300 },
    );
  });
});
