import { RolloutController } from "../controller/controller.js";
import { allRefusals, mergeRefusals, refusalEntry, refuseUnsupported } from "../controller/refusals.js";
import {
  TWO_NODE_CONTROL_PLANES,
  TWO_NODE_LEADERS,
  twoNodeRefusal,
  writeOutages,
  writeOutageTotal,
} from "../controller/two-node.js";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { Rng } from "../shared/rng.js";
import { type Bus, createBus } from "./bus.js";
import { DEFAULT_EVENT_LIMIT, VirtualClock } from "./clock.js";
import { clusterNodes, isPoolName, type SimulationInput, type SimulationResult } from "./types.js";

export interface SimulationHooks {
  /**
   * The sink every timeline entry and actor transition is handed to as it happens; what becomes of them
   * (a log and its levels: src/log/policy.ts `logTimeline`, a live view) is the subscriber's business.
   */
  bus?: Bus;
  /** The clock to run on; pass the one a log stamps its lines with. Must be fresh (nothing pending). */
  clock?: VirtualClock;
  /** Cap on clock events, against runaway loops. */
  eventLimit?: number;
}

function validate(input: SimulationInput): void {
  const file = input.source ?? "<simulation>";
  const problems: Diagnostic[] = [];
  const bad = (path: string, message: string) => problems.push({ file, path, message });
  if (!Number.isInteger(input.controlPlanes) || input.controlPlanes < 1) {
    bad("cluster.controlPlanes", "must be a whole number of at least 1");
  }
  if (!Number.isInteger(input.workers) || input.workers < 0)
    bad("cluster.workers", "must be a whole number ≥ 0");
  if (input.maxUnavailable !== undefined && !(input.maxUnavailable >= 1))
    bad("maxUnavailable", "must be at least 1");
  if (input.retries !== undefined && !(input.retries >= 0)) bad("retries", "must be 0 or more");
  if (!input.profiles.has(input.initialProfile)) bad("profile", `unknown profile "${input.initialProfile}"`);
  const pools = new Set<string>();
  input.workerPools?.forEach((pool, i) => {
    if (!isPoolName(pool.name))
      bad(`cluster.workerPools[${i}].name`, "must be a lowercase DNS label other than cp");
    if (pools.has(pool.name)) bad(`cluster.workerPools[${i}].name`, `pool "${pool.name}" is named twice`);
    pools.add(pool.name);
    if (!Number.isInteger(pool.workers) || pool.workers < 0)
      bad(`cluster.workerPools[${i}].workers`, "must be a whole number ≥ 0");
  });
  if (input.twoNode) {
    if (input.controlPlanes !== TWO_NODE_CONTROL_PLANES)
      bad(
        "cluster.controlPlanes",
        `a two-node cluster has exactly ${TWO_NODE_CONTROL_PLANES} control planes (Two-Node Architecture § Limitations), not ${input.controlPlanes}`,
      );
    else if (!TWO_NODE_LEADERS.includes(input.twoNode.leader))
      bad(
        "cluster.twoNode.leader",
        `must be ${TWO_NODE_LEADERS.join(" or ")} (got ${JSON.stringify(input.twoNode.leader)})`,
      );
    const initial = input.profiles.get(input.initialProfile);
    const refusal = initial && twoNodeRefusal(initial.profile.distribution, undefined);
    if (refusal) bad("cluster.twoNode", `${refusal.reason} (rule ${refusal.rule})`);
  }
  // Only a well-formed cluster has node names to check against (a bad size would name nothing, or loop).
  const shaped = problems.length === 0;
  const nodes = new Set(shaped ? clusterNodes(input).map((node) => node.name) : []);
  input.events.forEach((event, i) => {
    if (!(Number.isFinite(event.at) && event.at >= 0)) bad(`events[${i}].at`, "must be a duration ≥ 0");
    if (event.type === "update" && !input.profiles.has(event.profile)) {
      bad(`events[${i}].update`, `unknown profile "${event.profile}"`);
    }
    if (event.type === "node-fail" && shaped && !nodes.has(event.node)) {
      bad(`events[${i}].node`, `no node "${event.node}" (nodes are cp-1..cp-N and worker-1..worker-M)`);
    }
    if (event.type === "operator-recover" && shaped && !nodes.has(event.node)) {
      bad(`events[${i}].recover`, `no node "${event.node}"`);
    }
    if (event.type === "pool-toggle" && !pools.has(event.pool)) {
      bad(`events[${i}].pool`, `no worker pool "${event.pool}"`);
    }
  });
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * Replays `input` on a virtual clock: every node and the Palette agent are xstate actors sharing one clock;
 * the controller sequences the rollout. Unsupported updates are refused when published (`refused`, and
 * `update-refused` in the timeline): the same policy for a scenario and for every cluster of a fleet. Pure: same input and seed → the same result, byte for byte.
 */
export function simulate(input: SimulationInput, hooks: SimulationHooks = {}): SimulationResult {
  validate(input);
  const clock = hooks.clock ?? new VirtualClock();
  const bus = hooks.bus ?? createBus();
  const { accepted, refused } = refuseUnsupported(input);
  const controller = new RolloutController(input, {
    clock,
    rng: new Rng(input.seed),
    onEntry: (entry) => bus.emit("timeline", entry),
    onTransition: {
      wanted: () => bus.listenerCount("transition") > 0,
      emit: (event) => bus.emit("transition", event),
    },
  });
  // Scenario events go on the clock first, so an event and a timer due at the same instant run event first.
  controller.start(accepted);
  // Refusals at publish time never reach the controller: told on the bus at their time, for a log that
  // listens (no listener, nothing is scheduled, so a run without one is unchanged).
  if (bus.listenerCount("refused") > 0)
    for (const refusal of refused)
      clock.schedule(Math.max(0, refusal.t - clock.now), () => bus.emit("refused", refusalEntry(refusal)));
  clock.runUntilIdle(hooks.eventLimit ?? DEFAULT_EVENT_LIMIT);
  const outcome = controller.outcome();
  controller.stop();
  const result: SimulationResult = {
    result: outcome.result,
    behavior: outcome.behavior,
    finalProfile: outcome.finalProfile,
    nodes: outcome.nodes,
    timeline: mergeRefusals(outcome.timeline, refused),
    durationMs: outcome.durationMs,
    refused: allRefusals(outcome.timeline, refused),
    faults: outcome.faults,
  };
  if (outcome.failure) result.failure = outcome.failure;
  if (input.twoNode) {
    const last = result.timeline.at(-1)?.t ?? 0;
    result.writeOutageMs = writeOutageTotal(writeOutages(result.timeline), last);
  }
  return result;
}
