import type { Profile } from "../profile/types.js";
import type { Plan } from "../rules/types.js";
import type { Behavior } from "../shared/types.js";

/** Node actions that can be made to fail (`fail: reboot`), or `any` for the node's next action. */
export type NodeAction = Exclude<Behavior, "no-op">;

export type NodeRole = "control-plane" | "worker";

/** From the OS layer's `pack.drain` (Palette's keys); defaults cordon true, timeout 60 s, grace 60 s. */
export interface DrainPolicy {
  cordon: boolean;
  timeoutMs: number;
  gracePeriodMs: number;
  ignoreDaemonSets: boolean;
  deleteLocalData: boolean;
  force: boolean;
}

/** Virtual durations of each step, in ms; jitter is a fraction (0.1 = ±10 %) drawn from the seeded RNG. */
export interface Timings {
  cordonMs: number;
  /** Time to evict pods; capped by the drain policy's timeout. */
  drainMs: number;
  repaveMs: number;
  rebootMs: number;
  serviceRestartMs: number;
  configReloadMs: number;
  rejoinMs: number;
  jitter: number;
  /** How long the Palette agent is down when it restarts (AGENT_RESTART). Optional for compatibility. */
  agentRestartMs?: number;
}

/** A profile the simulated cluster can be on, with what the simulation needs of it. */
export interface SimProfile {
  /** Unique id within a run: the profile's `name`. */
  id: string;
  profile: Profile;
  drain: DrainPolicy;
  /** The OS image a repave installs: the rendered `options.system.uri` (or pack@version). */
  osImage: string;
}

export type SimInputEvent =
  | { at: number; type: "update"; profile: string }
  | { at: number; type: "kubernetes"; state: "down" | "up" }
  | { at: number; type: "node-fail"; node: string; action: NodeAction | "any"; times?: number }
  | { at: number; type: "agent-restart" }
  /** A worker pool's "skip worker node update" toggle is set or cleared (clearing it catches the pool up). */
  | { at: number; type: "pool-toggle"; pool: string; skipWorkerUpdate: boolean };

/**
 * A worker pool (decoupled control-plane and worker upgrades, later Palette releases, connected Edge
 * Native clusters): nodes `<name>-1..<name>-N`. With `skipWorkerUpdate` the pool is left out of any
 * rollout that would change its nodes' Kubernetes version.
 */
export interface WorkerPool {
  name: string;
  workers: number;
  skipWorkerUpdate?: boolean;
}

export interface SimulationInput {
  seed: number;
  controlPlanes: number;
  /** Workers `worker-1..worker-M`; ignored when `workerPools` is given (set it to their total). */
  workers: number;
  /** Named worker pools instead of `workers`, in order; `maxUnavailable` counts across all of them. */
  workerPools?: WorkerPool[];
  /** Workers disrupted at once (control planes go one at a time). Default 1. */
  maxUnavailable?: number;
  /** Retries of a node's failed action before the rollout halts. Default 1. */
  retries?: number;
  timings?: Partial<Timings>;
  /**
   * A/B partitions (later Palette releases): each node keeps an active and a passive image, and a repave
   * whose new image does not boot falls back to the previous one (a failed attempt, the node Ready on its
   * old image) instead of leaving the node Failed. Default false: the 4.3-era behavior.
   */
  abPartitions?: boolean;
  initialProfile: string;
  profiles: ReadonlyMap<string, SimProfile>;
  /** The planner: what updating from one profile to another does. */
  plan: (from: Profile, to: Profile) => Plan;
  events: SimInputEvent[];
  /** File the input came from (the scenario), named in diagnostics about bad input. */
  source?: string;
}

/** Node names and roles in cluster order: cp-1..cp-N, then worker-1..worker-M or each pool's nodes. */
export function clusterNodes(
  input: Pick<SimulationInput, "controlPlanes" | "workers" | "workerPools">,
): { name: string; role: NodeRole; pool?: string }[] {
  const nodes: { name: string; role: NodeRole; pool?: string }[] = [];
  for (let i = 1; i <= input.controlPlanes; i++) nodes.push({ name: `cp-${i}`, role: "control-plane" });
  if (input.workerPools) {
    for (const pool of input.workerPools) {
      for (let i = 1; i <= pool.workers; i++)
        nodes.push({ name: `${pool.name}-${i}`, role: "worker", pool: pool.name });
    }
  } else {
    for (let i = 1; i <= input.workers; i++) nodes.push({ name: `worker-${i}`, role: "worker" });
  }
  return nodes;
}

/** One line of the timeline; `t` is virtual ms since the start. */
export interface TimelineEntry {
  t: number;
  node?: string;
  event: string;
  [detail: string]: unknown;
}

export type SimulationOutcome = "converged" | "blocked" | "failed";

export interface NodeReport {
  name: string;
  role: NodeRole;
  /** The worker pool, when the cluster has `workerPools`. */
  pool?: string;
  state: string;
  profile: string;
  /** The image the node runs (the active one with A/B partitions). */
  osImage: string;
  /** With `abPartitions` only: the active image (= `osImage`). */
  activeImage?: string;
  /** With `abPartitions` only: the image the bootloader falls back to. */
  passiveImage?: string;
  /** How many times each action began on this node (retries included). */
  actions: Partial<Record<NodeAction, number>>;
}

export interface SimulationResult {
  result: SimulationOutcome;
  /** Behavior of the last update the agent applied (most disruptive over its nodes); `no-op` if none. */
  behavior: Behavior;
  /** Profile the cluster ends on (the profile every node is on; the last fully applied one otherwise). */
  finalProfile: string;
  nodes: NodeReport[];
  timeline: TimelineEntry[];
  failure?: { node: string; action: NodeAction; reason: string };
  /** Virtual ms from the first update to the end of the last rollout (0 when nothing ran). */
  durationMs: number;
}

/** The few logger methods the simulation calls; a pino logger satisfies it (the core never imports pino). */
export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}

/** Timeline events worth more than `info` in a log: what an operator scanning for trouble greps for. */
const LOG_LEVELS: Record<string, "warn" | "error"> = {
  "kubernetes-down": "warn",
  "agent-blocked": "warn",
  "action-failed": "warn",
  "action-retried": "warn",
  "image-fallback": "warn",
  "update-refused": "warn",
  "rollout-halted": "error",
  "update-rejected": "error",
  "fleet-halted": "error",
};

/** Writes one timeline entry at its level (warn/error where the logger has them, else info). */
export function logEntry(logger: SimLogger, entry: TimelineEntry): void {
  const level = LOG_LEVELS[entry.event];
  const write = (level && logger[level]) || logger.info;
  write.call(logger, entry, entry.event);
}
