import { DEFAULT_TIMINGS, type JobDurations, type NodeJob, type Timings } from "../machines/node.js";
import { drainSkipReason } from "../profile/drain.js";
import type { Plan } from "../rules/types.js";
import type { Rng } from "../shared/rng.js";
import { drawFrom, type TimedStep } from "../shared/timing-distribution.js";
import { assertNever, type NodeAction } from "../shared/types.js";
import { varied } from "../shared/variation.js";
import type { SimProfile } from "./types.js";

export function resolveTimings(partial: Partial<Timings> | undefined): Required<Timings> {
  return { ...DEFAULT_TIMINGS, ...(partial ?? {}) } as Required<Timings>;
}

function actionStep(action: NodeAction): TimedStep {
  switch (action) {
    case "repave":
      return "repave";
    case "reboot":
      return "reboot";
    case "service-restart":
      return "serviceRestart";
    case "config-reload":
      return "configReload";
    default:
      return assertNever(action);
  }
}

/**
 * One step's duration: drawn from its distribution when it has one (one uniform from the generator),
 * else the plain duration jittered as always. With jitter 0 nothing is drawn: each step takes its
 * plain duration (a distribution's median).
 */
function stepMs(rng: Rng, timings: Required<Timings>, step: TimedStep): number {
  const base = timings[`${step}Ms`];
  const distribution = timings.jitter > 0 ? timings.distributions[step] : undefined;
  return distribution ? drawFrom(distribution, rng.next()) : rng.jitter(base, timings.jitter);
}

/** A job's step durations. Jitter is drawn when the job starts, in start order: same seed, same run. */
export function jobDurations(
  rng: Rng,
  timings: Required<Timings>,
  action: NodeAction,
  target: SimProfile,
): JobDurations {
  const actionMs = stepMs(rng, timings, actionStep(action));
  if (action === "config-reload") return { cordonMs: 0, drainMs: 0, actionMs, rejoinMs: 0 };
  return {
    cordonMs: target.drain.cordon ? stepMs(rng, timings, "cordon") : 0,
    // Palette gives up waiting for evictions at the drain timeout.
    drainMs: Math.min(stepMs(rng, timings, "drain"), target.drain.timeoutMs),
    actionMs,
    rejoinMs: stepMs(rng, timings, "rejoin"),
  };
}

/**
 * The job that takes a node to `target`: the plan's behavior as the node's action (a repave when its pool
 * catches up), the target's drain policy (a config reload never cordons) and jittered step durations.
 */
export function nodeJob(
  rng: Rng,
  timings: Required<Timings>,
  action: NodeAction,
  plan: Plan,
  target: SimProfile,
  nodeCount: number,
): NodeJob {
  // The jitter is drawn whether or not the drain happens, so a skipped drain moves no other node's times.
  const durations = jobDurations(rng, timings, action, target);
  const skipped =
    action === "config-reload"
      ? undefined
      : varied("drain-skipped")
        ? "drain skipped (a mutant)"
        : drainSkipReason(target.drain, nodeCount);
  return {
    action,
    targetProfile: target.id,
    targetOsImage: target.osImage,
    services: action === "service-restart" ? [...plan.services] : [],
    cordon: action !== "config-reload" && target.drain.cordon,
    drainTimeoutMs: target.drain.timeoutMs,
    ...(skipped !== undefined ? { drainSkipped: skipped } : {}),
    ...(target.drain.podSelector !== undefined ? { podSelector: target.drain.podSelector } : {}),
    ...(target.drain.disableEviction ? { disableEviction: true } : {}),
    durations: skipped !== undefined ? { ...durations, drainMs: 0 } : durations,
  };
}
