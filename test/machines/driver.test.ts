import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assign, createActor, setup, spawnChild } from "xstate";
import { type AgentEvent, agentMachine } from "../../src/machines/agent.js";
import { compile } from "../../src/machines/compiled.js";
import { type DriverOptions, MachineDriver } from "../../src/machines/driver.js";
import { type NodeEvent, type NodeJob, nodeMachine } from "../../src/machines/node.js";
import { VirtualClock } from "../../src/sim/clock.js";
import type { NodeAction } from "../../src/sim/types.js";

// The simulation runs the machines through MachineDriver, not createActor: for any events at any times,
// both must give the same states, contexts and emitted events at the same virtual times.

const ACTIONS: NodeAction[] = ["repave", "reboot", "service-restart", "config-reload"];

function job(action: NodeAction, cordon: boolean, ms: number): NodeJob {
  return {
    action,
    targetProfile: "next",
    targetOsImage: "image:next",
    services: action === "service-restart" ? ["networking"] : [],
    cordon: cordon && action !== "config-reload",
    drainTimeoutMs: 60_000,
    durations: { cordonMs: ms, drainMs: 2 * ms, actionMs: 3 * ms, rejoinMs: ms },
  };
}

const nodeEvent: fc.Arbitrary<NodeEvent> = fc.oneof(
  fc
    .record({
      action: fc.constantFrom(...ACTIONS),
      cordon: fc.boolean(),
      ms: fc.integer({ min: 0, max: 50 }),
    })
    .map(({ action, cordon, ms }) => ({ type: "START" as const, job: job(action, cordon, ms) })),
  fc.constant({ type: "ADOPT" as const, profile: "next" }),
  fc.constant({ type: "RETRY" as const }),
  fc.constant({ type: "ABANDON" as const }),
  fc
    .record({
      action: fc.constantFrom<NodeAction | "any">(...ACTIONS, "any"),
      times: fc.integer({ min: 1, max: 2 }),
    })
    .map((f) => ({ type: "ARM_FAILURE" as const, id: 0, ...f })),
  fc.constant({ type: "KUBERNETES_DOWN" as const }),
  fc.constant({ type: "KUBERNETES_UP" as const }),
);

interface Runner<E> {
  send(event: E): void;
  stop(): void;
}

/** Feeds `events` (each at its time) to a runner on a fresh clock; returns what an observer saw. */
function trace<E>(
  make: (clock: VirtualClock, log: string[]) => Runner<E>,
  events: { at: number; event: E }[],
): string[] {
  const clock = new VirtualClock();
  const log: string[] = [];
  const runner = make(clock, log);
  for (const { at, event } of events) clock.scheduleAt(at, () => runner.send(event));
  clock.runUntilIdle(100_000);
  runner.stop();
  log.push(`pending ${clock.pendingCount}`);
  return log;
}

function observe<T extends { value: unknown; context: unknown }>(
  clock: VirtualClock,
  log: string[],
  runner: { subscribe(fn: (s: T) => void): unknown; on(type: "*", fn: (e: unknown) => void): unknown },
): void {
  runner.subscribe((s) => log.push(`${clock.now} ${JSON.stringify(s.value)} ${JSON.stringify(s.context)}`));
  runner.on("*", (e) => log.push(`${clock.now} emit ${JSON.stringify(e)}`));
}

const timed = <E>(event: fc.Arbitrary<E>) =>
  fc.array(fc.record({ at: fc.integer({ min: 0, max: 400 }), event }), { maxLength: 25 });

const ENGINES: [string, DriverOptions][] = [
  ["compiled", {}],
  ["on xstate's public transition()", { engine: "xstate" }],
];

describe.each(ENGINES)("MachineDriver (%s) runs a machine as an actor would", (_engine, options) => {
  it("the node machine: same states, contexts, emitted events and times", () => {
    const input = {
      name: "worker-1",
      role: "worker" as const,
      profile: "base",
      osImage: "image:base",
      abPartitions: true,
    };
    fc.assert(
      fc.property(timed(nodeEvent), fc.boolean(), (events, ab) => {
        const nodeInput = { ...input, abPartitions: ab };
        const viaActor = trace<NodeEvent>((clock, log) => {
          const actor = createActor(nodeMachine, { clock, input: nodeInput });
          observe(clock, log, actor);
          actor.start();
          return actor;
        }, events);
        const viaDriver = trace<NodeEvent>((clock, log) => {
          const driver = new MachineDriver(nodeMachine, clock, nodeInput, options);
          observe(clock, log, driver);
          driver.start();
          return driver;
        }, events);
        expect(viaDriver).toEqual(viaActor);
      }),
      { numRuns: 300 },
    );
  });

  it("the agent machine, including events sent back to it from its own observer", () => {
    const agentEvent: fc.Arbitrary<AgentEvent> = fc.oneof(
      fc.constantFrom("p1", "p2").map((profile) => ({ type: "UPDATE" as const, profile })),
      fc.constant({ type: "KUBERNETES_DOWN" as const }),
      fc.constant({ type: "KUBERNETES_UP" as const }),
      fc.constant({ type: "AGENT_RESTART" as const }),
      fc.constant({ type: "ROLLOUT_FINISHED" as const }),
      fc.constant({ type: "NODE_DONE" as const, node: "cp-1" }),
      fc.constant({ type: "ROLLOUT_FAILED" as const, reason: "x" }),
      fc.constant({ type: "ROLLOUT_REFUSED" as const }),
    );
    const input = { profile: "base", restartMs: 30 };
    fc.assert(
      fc.property(timed(agentEvent), (events) => {
        const wire = (runner: {
          send(e: AgentEvent): void;
          subscribe(fn: (s: { value: unknown }) => void): unknown;
        }) => {
          // An observer that answers on entering Applying: its reply waits until the current event is done.
          let last: unknown;
          runner.subscribe((s) => {
            if (s.value === "Applying" && last !== "Applying")
              runner.send({ type: "NODE_DONE", node: "worker-1" });
            last = s.value;
          });
        };
        const viaActor = trace<AgentEvent>((clock, log) => {
          const actor = createActor(agentMachine, { clock, input });
          observe(clock, log, actor);
          wire(actor);
          actor.start();
          return actor;
        }, events);
        const viaDriver = trace<AgentEvent>((clock, log) => {
          const driver = new MachineDriver(agentMachine, clock, input, options);
          observe(clock, log, driver);
          wire(driver);
          driver.start();
          return driver;
        }, events);
        expect(viaDriver).toEqual(viaActor);
      }),
      { numRuns: 300 },
    );
  });

  it("runs the node and agent machines compiled; a machine that is not flat on xstate's transition, alike", () => {
    expect(compile(nodeMachine)).toBeDefined();
    expect(compile(agentMachine)).toBeDefined();
    const nested = setup({ types: { events: {} as { type: "go" } | { type: "next" } } }).createMachine({
      id: "nested",
      initial: "a",
      context: { entered: 0 },
      states: {
        a: {
          initial: "x",
          entry: assign(({ context }) => ({ entered: context.entered + 1 })),
          states: { x: { on: { go: "y" } }, y: { on: { go: "x" } } },
          on: { next: "b" },
        },
        b: { after: { 5: "a" } },
      },
    });
    expect(compile(nested)).toBeUndefined();
    type E = { type: "go" } | { type: "next" };
    fc.assert(
      fc.property(timed(fc.constantFrom<E>({ type: "go" }, { type: "next" })), (events) => {
        const viaActor = trace<E>((clock, log) => {
          const actor = createActor(nested, { clock });
          observe(clock, log, actor);
          actor.start();
          return actor;
        }, events);
        const viaDriver = trace<E>((clock, log) => {
          const driver = new MachineDriver(nested, clock, undefined, options);
          observe(clock, log, driver);
          driver.start();
          return driver;
        }, events);
        expect(viaDriver).toEqual(viaActor);
      }),
      { numRuns: 100 },
    );
  });

  it("runs a machine's own action functions, with the driver as self, as an actor does", () => {
    type E = { type: "go" } | { type: "back" } | { type: "ping" };
    const seen: string[] = [];
    const machine = setup({ types: { events: {} as E } }).createMachine({
      id: "own",
      initial: "a",
      context: { pings: 0 },
      entry: () => seen.push("entered root"),
      states: {
        a: {
          entry: ({ self }) => {
            seen.push("entered a");
            self.send({ type: "ping" });
          },
          on: { go: "b", ping: { actions: assign(({ context }) => ({ pings: context.pings + 1 })) } },
        },
        b: { type: "parallel", states: { x: {}, y: {} }, on: { back: "a" }, exit: () => seen.push("left b") },
      },
    });
    expect(compile(machine)).toBeUndefined();
    const events = [
      { at: 1, event: { type: "go" } as E },
      { at: 2, event: { type: "back" } as E },
      { at: 3, event: { type: "go" } as E },
    ];
    const viaActor = trace<E>((clock, log) => {
      const actor = createActor(machine, { clock });
      observe(clock, log, actor);
      actor.start();
      return actor;
    }, events);
    const actorSeen = seen.splice(0);
    const viaDriver = trace<E>((clock, log) => {
      const driver = new MachineDriver(machine, clock, undefined, options);
      observe(clock, log, driver);
      driver.start();
      return driver;
    }, events);
    expect(viaDriver).toEqual(viaActor);
    expect(seen).toEqual(actorSeen);
    expect(seen).toEqual(["entered root", "entered a", "left b", "entered a"]);
    expect(viaDriver.at(-2)).toContain('{"pings":2}');
  });

  it("refuses a machine that needs an actor system, naming what it does", () => {
    const child = setup({}).createMachine({ id: "child" });
    const machine = setup({ actors: { child } }).createMachine({
      id: "spawner",
      initial: "a",
      states: { a: { entry: spawnChild("child") } },
    });
    expect(() => new MachineDriver(machine, new VirtualClock(), undefined, { engine: "xstate" })).toThrow(
      "machine spawner: xstate.spawnChild needs an actor system, which the machine driver does not have",
    );
  });
});
