import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AnyStateMachine,
  and,
  assign,
  cancel,
  emit,
  enqueueActions,
  initialTransition,
  not,
  or,
  raise,
  setup,
  stateIn,
  transition,
} from "xstate";
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

  it("are listed, exactly, in the engine's header comment", () => {
    const source = readFileSync(`${root}/src/machines/compiled.ts`, "utf8");
    const header = source.slice(source.indexOf("The xstate internals this engine reads"));
    const listed = new Set(
      [...header.slice(0, header.indexOf("*/")).matchAll(/`([^`]+)`/g)].map((match) => match[1]),
    );
    const read = new Set<string>(
      Object.entries(XSTATE_INTERNALS_READ).flatMap(([, names]) =>
        Array.isArray(names)
          ? names
          : Object.entries(names).flatMap(([type, args]) => [type, ...(args as readonly string[])]),
      ),
    );
    for (const guard of ["and", "or", "not", "stateIn"]) read.add(guard);
    expect([...listed].sort()).toEqual([...read].sort());
  });

  it.each([
    ["node", nodeMachine],
    ["agent", agentMachine],
    ["probe", probe],
  ] as [string, AnyStateMachine][])("are all there on the %s machine", (_name, machine) => {
    expect(
      missingInternals(machine),
      `xstate ${installed}: internals the compiled engine reads are gone (see src/machines/compiled.ts)`,
    ).toEqual([]);
    expect(compile(machine), "the machine is still compiled").toBeDefined();
  });

  it("are all there on xstate's built-in actions and guards", () => {
    const assignment = { n: 1 };
    const event = { type: "e" };
    const collect = () => {};
    const made: [string, unknown, Record<string, unknown>][] = [
      ["xstate.assign", assign(assignment), { assignment }],
      ["xstate.emit", emit(event), { event }],
      ["xstate.raise", raise(event, { delay: 5, id: "timer" }), { event, delay: 5, id: "timer" }],
      ["xstate.cancel", cancel("timer"), { sendId: "timer" }],
      ["xstate.enqueueActions", enqueueActions(collect), { collect }],
    ];
    const missing: string[] = [];
    expect(made.map(([type]) => type)).toEqual(Object.keys(XSTATE_INTERNALS_READ.builtinArguments));
    for (const [type, action, args] of made) {
      const a = action as Record<string, unknown>;
      for (const key of XSTATE_INTERNALS_READ.builtinAction) if (!(key in a)) missing.push(`${type}: ${key}`);
      if (a.type !== type) missing.push(`${type}: type is ${String(a.type)}`);
      if (typeof a.resolve !== "function") missing.push(`${type}: resolve is not a function`);
      const read =
        XSTATE_INTERNALS_READ.builtinArguments[type as keyof typeof XSTATE_INTERNALS_READ.builtinArguments];
      for (const key of read) if (a[key] !== args[key]) missing.push(`${type}: argument ${key}`);
    }
    const guards: [string, unknown][] = [
      ["and", and(["g"])],
      ["or", or(["g"])],
      ["not", not("g")],
      ["stateIn", stateIn("Idle")],
    ];
    for (const [name, guard] of guards)
      for (const key of XSTATE_INTERNALS_READ.builtinGuard)
        if (typeof (guard as Record<string, unknown>)[key] !== "function")
          missing.push(`guard ${name}: ${key}`);
    expect(missing, `xstate ${installed}: internals the compiled engine reads are gone or changed`).toEqual(
      [],
    );
  });
});

/** A flat machine using every part of xstate the compiled engine reads: context, delays, guards, always. */
const probe = setup({
  types: { context: {} as { n: number }, events: {} as { type: "go" } | { type: "stop" } },
  actions: { bump: assign(({ context }) => ({ n: context.n + 1 })) },
  guards: { small: ({ context }) => context.n < 3 },
  delays: { soon: 5 },
}).createMachine({
  id: "probe",
  initial: "a",
  context: () => ({ n: 0 }),
  states: {
    a: {
      on: { go: { guard: and(["small", not("small")]), target: "b" } },
      after: { soon: { target: "b", actions: "bump" } },
      exit: emit({ type: "left" }),
    },
    b: { entry: "bump", always: { guard: "small", target: "a" }, on: { stop: { actions: cancel("x") } } },
  },
});

/** What the compiled engine reads of a machine and is not there, each named (`stateNode a: exit`…). */
function missingInternals(machine: AnyStateMachine): string[] {
  const missing: string[] = [];
  const has = (where: string, object: unknown, keys: readonly string[]) => {
    for (const key of keys)
      if (typeof object !== "object" || object === null || !(key in object)) missing.push(`${where}: ${key}`);
  };
  const m = machine as unknown as Record<string, Record<string, unknown>>;
  has("machine", m, XSTATE_INTERNALS_READ.machine);
  has("machine.implementations", m.implementations, XSTATE_INTERNALS_READ.implementations);
  if (typeof m.resolveState !== "function") missing.push("machine: resolveState is not a function");
  const config = m.config as { context?: unknown; output?: unknown };
  if (config?.context === undefined) missing.push("machine.config: context");
  const rootNode = m.root as unknown as { states: Record<string, Record<string, unknown>> };
  for (const [name, state] of [
    ["root", rootNode as unknown as Record<string, unknown>] as const,
    ...Object.entries(rootNode?.states ?? {}),
  ]) {
    has(`stateNode ${name}`, state, XSTATE_INTERNALS_READ.stateNode);
    if (!(state.transitions instanceof Map)) {
      missing.push(`stateNode ${name}: transitions is not a Map`);
      continue;
    }
    for (const transitions of (state.transitions as Map<string, Record<string, unknown>[]>).values())
      for (const t of transitions) has(`stateNode ${name}: transition`, t, XSTATE_INTERNALS_READ.transition);
    for (const t of (state.always as Record<string, unknown>[] | undefined) ?? [])
      has(`stateNode ${name}: always`, t, XSTATE_INTERNALS_READ.transition);
  }
  has(
    "root.initial",
    (rootNode as unknown as Record<string, unknown>)?.initial,
    XSTATE_INTERNALS_READ.initial,
  );
  return missing;
}

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

  it("a probe machine using every internal read (guards, delays, always, cancel), alike", () => {
    const states = (
      probe.root as unknown as { states: Record<string, { transitions: Map<string, unknown> }> }
    ).states;
    const after = [...(states.a?.transitions.keys() ?? [])].filter((type) =>
      type.startsWith("xstate.after."),
    );
    expect(after).toHaveLength(1);
    const probeEvent = fc.constantFrom(
      ...[{ type: "go" }, { type: "stop" }, ...after.map((type) => ({ type }))],
    );
    fc.assert(
      fc.property(fc.array(probeEvent, { maxLength: 20 }), (events) => {
        expect(viaCompiled(probe, undefined, events)).toEqual(viaXstate(probe, undefined, events));
      }),
      { numRuns: 200 },
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
