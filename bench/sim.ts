import { performance } from "node:perf_hooks";
import type { Profile } from "../src/profile/types.js";
import type { Plan } from "../src/rules/types.js";
import { VirtualClock } from "../src/sim/clock.js";
import { simulate } from "../src/sim/simulate.js";
import type { SimProfile, SimulationInput } from "../src/sim/types.js";

export interface SimulationBench {
  nodes: number;
  controlPlanes: number;
  workers: number;
  maxUnavailable: number;
  /** Wall-clock ms of one simulate() call (the best of `runs`). */
  wallMs: number;
  /** Clock events (timers and scenario events) run by that call. */
  events: number;
  eventsPerSecond: number;
  /** Virtual ms the rollout took. */
  simulatedMs: number;
  /** Simulated time per unit of wall time. */
  speedup: number;
  result: string;
}

function profile(id: string): SimProfile {
  const p: Profile = {
    name: id,
    file: `${id}.yaml`,
    distribution: "k3s",
    distributionInferred: false,
    variables: {},
    layers: [],
    warnings: [],
  };
  return {
    id,
    profile: p,
    osImage: `image:${id}`,
    drain: {
      cordon: true,
      timeoutMs: 60_000,
      gracePeriodMs: 60_000,
      ignoreDaemonSets: true,
      deleteLocalData: false,
      force: false,
    },
  };
}

export function benchInput(controlPlanes = 3, workers = 3_997, maxUnavailable = 100): SimulationInput {
  const plan = (from: Profile, to: Profile): Plan => ({
    from: from.name,
    to: to.name,
    distribution: "k3s",
    behavior: "reboot",
    changes: [],
    services: [],
    unsupported: [],
    warnings: [],
  });
  return {
    seed: 1,
    controlPlanes,
    workers,
    maxUnavailable,
    initialProfile: "base",
    profiles: new Map([
      ["base", profile("base")],
      ["next", profile("next")],
    ]),
    plan,
    events: [{ at: 0, type: "update", profile: "next" }],
  };
}

/** simulate() of a 4,000-node reboot: 3 control planes, 3,997 workers, 100 workers at a time. */
export function benchSimulation(runs = 3): SimulationBench {
  const input = benchInput();
  let best: SimulationBench | undefined;
  for (let i = 0; i < runs; i++) {
    const clock = new VirtualClock();
    const started = performance.now();
    const result = simulate(input, { clock });
    const wallMs = performance.now() - started;
    if (best && best.wallMs <= wallMs) continue;
    best = {
      nodes: input.controlPlanes + input.workers,
      controlPlanes: input.controlPlanes,
      workers: input.workers,
      maxUnavailable: input.maxUnavailable ?? 1,
      wallMs: Math.round(wallMs * 10) / 10,
      events: clock.executedCount,
      eventsPerSecond: Math.round(clock.executedCount / (wallMs / 1000)),
      simulatedMs: result.durationMs,
      speedup: Math.round(result.durationMs / wallMs),
      result: result.result,
    };
  }
  return best as SimulationBench;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(benchSimulation(), null, 2));
}
