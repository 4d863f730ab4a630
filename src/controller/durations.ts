import { DEFAULT_TIMINGS, type JobDurations, type NodeJob, type Timings } from "../machines/node.js";
import { drainSkipReason } from "../profile/drain.js";
import type { Plan } from "../rules/types.js";
import type { Rng } from "../shared/rng.js";
import { drawFrom, type TimedStep, type TimingDistribution } from "../shared/timing-distribution.js";
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

/** How one step's duration is drawn: its distribution when it has one (and jitter is on), else its plain duration jittered. */
interface StepDraw {
  baseMs: number;
  distribution: TimingDistribution | undefined;
}

const STEP_KEY = {
  cordon: "cordonMs",
  drain: "drainMs",
  repave: "repaveMs",
  reboot: "rebootMs",
  serviceRestart: "serviceRestartMs",
  configReload: "configReloadMs",
  rejoin: "rejoinMs",
  agentRestart: "agentRestartMs",
} as const satisfies Record<TimedStep, keyof Timings>;

function stepDraw(timings: Required<Timings>, step: TimedStep): StepDraw {
  return {
    baseMs: timings[STEP_KEY[step]],
    distribution: timings.jitter > 0 ? timings.distributions[step] : undefined,
  };
}

/**
 * One step's duration: drawn from its distribution when it has one (one uniform from the generator),
 * else the plain duration jittered as always. With jitter 0 nothing is drawn: each step takes its
 * plain duration (a distribution's median).
 */
function drawStep(rng: Rng, step: StepDraw, jitter: number): number {
  return step.distribution ? drawFrom(step.distribution, rng.next()) : rng.jitter(step.baseMs, jitter);
}

/**
 * How a job's step durations are drawn for one action, timings and target: read once, then drawn for
 * any number of jobs (`drawJob`).
 */
export interface JobDraw {
  jitter: number;
  configReload: boolean;
  action: StepDraw;
  /** Undefined: the target does not cordon (nothing drawn for it). */
  cordon: StepDraw | undefined;
  drain: StepDraw;
  rejoin: StepDraw;
  drainTimeoutMs: number;
}

export function jobDraw(timings: Required<Timings>, action: NodeAction, target: SimProfile): JobDraw {
  return {
    jitter: timings.jitter,
    configReload: action === "config-reload",
    action: stepDraw(timings, actionStep(action)),
    cordon: target.drain.cordon ? stepDraw(timings, "cordon") : undefined,
    drain: stepDraw(timings, "drain"),
    rejoin: stepDraw(timings, "rejoin"),
    drainTimeoutMs: target.drain.timeoutMs,
  };
}

/**
 * A job's step durations, written into `out`. Jitter is drawn when the job starts, in start order (the
 * action, then cordon, drain and rejoin): same seed, same run.
 */
export function drawJob(rng: Rng, draw: JobDraw, out: JobDurations): JobDurations {
  out.actionMs = drawStep(rng, draw.action, draw.jitter);
  if (draw.configReload) {
    out.cordonMs = 0;
    out.drainMs = 0;
    out.rejoinMs = 0;
    return out;
  }
  out.cordonMs = draw.cordon ? drawStep(rng, draw.cordon, draw.jitter) : 0;
  // Palette gives up waiting for evictions at the drain timeout.
  out.drainMs = Math.min(drawStep(rng, draw.drain, draw.jitter), draw.drainTimeoutMs);
  out.rejoinMs = drawStep(rng, draw.rejoin, draw.jitter);
  return out;
}

/** A job's step durations. Jitter is drawn when the job starts, in start order: same seed, same run. */
export function jobDurations(
  rng: Rng,
  timings: Required<Timings>,
  action: NodeAction,
  target: SimProfile,
): JobDurations {
  return drawJob(rng, jobDraw(timings, action, target), {
    cordonMs: 0,
    drainMs: 0,
    actionMs: 0,
    rejoinMs: 0,
  });
}

/** What a node job is apart from its durations: the same for every node a rollout takes to `target`. */
export type JobShape = Omit<NodeJob, "durations">;

/**
 * The job that takes a node to `target`, apart from its durations: the plan's behavior as the node's
 * action (a repave when its pool catches up) and the target's drain policy (a config reload never
 * cordons or drains).
 */
export function jobShape(action: NodeAction, plan: Plan, target: SimProfile, nodeCount: number): JobShape {
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
  };
}

/**
 * The job that takes a node to `target`: its shape (`jobShape`) and jittered step durations; a skipped
 * drain takes no time.
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
  const shape = jobShape(action, plan, target, nodeCount);
  return {
    ...shape,
    durations: shape.drainSkipped !== undefined ? { ...durations, drainMs: 0 } : durations,
  };
}
