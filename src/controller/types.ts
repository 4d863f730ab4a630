import type { AgentEmitted } from "../machines/agent.js";
import type { NodeEmitted, Timings } from "../machines/node.js";
import type { DrainPolicy, Profile } from "../profile/types.js";
import type { Plan } from "../rules/types.js";
import type { AbFallback, Behavior, NodeAction, NodeRole, Service } from "../shared/types.js";
import type { TwoNode } from "./two-node.js";

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
  /** An operator recovers a node that fell back and waits out of the cluster (Known Issues, 2025). */
  | { at: number; type: "operator-recover"; node: string }
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

/** What a worker pool may be called: a lowercase DNS label other than `cp` (its nodes are `<pool>-N`). */
export const POOL_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const RESERVED_POOL_NAME = "cp";

export function isPoolName(name: string): boolean {
  return POOL_NAME_PATTERN.test(name) && name !== RESERVED_POOL_NAME;
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
  /** After an A/B fallback: `operator` (default, DEFAULT_AB_FALLBACK) or `rejoin`. */
  abFallback?: AbFallback;
  /**
   * Two-node HA (Two-Node Architecture): exactly two control planes on Kine and Postgres, one the leader.
   * An upgrade pauses the liveness probes, picks the node that goes first with the seed, and writes are
   * unavailable while the leader is down. K3s and Canonical only.
   */
  twoNode?: TwoNode;
  initialProfile: string;
  profiles: ReadonlyMap<string, SimProfile>;
  /** The planner: what updating from one profile to another does. */
  plan: (from: Profile, to: Profile) => Plan;
  events: SimInputEvent[];
  /** File the input came from (the scenario), named in diagnostics about bad input. */
  source?: string;
}

/** The one place node names are made: cp-1..cp-N, then worker-1..worker-M or each pool's `<pool>-1..`. */
export function controlPlaneName(i: number): string {
  return `cp-${i}`;
}

export function workerName(i: number, pool?: string): string {
  return `${pool ?? "worker"}-${i}`;
}

/** Node names and roles in cluster order: cp-1..cp-N, then worker-1..worker-M or each pool's nodes. */
export function clusterNodes(
  input: Pick<SimulationInput, "controlPlanes" | "workers" | "workerPools">,
): { name: string; role: NodeRole; pool?: string }[] {
  const nodes: { name: string; role: NodeRole; pool?: string }[] = [];
  for (let i = 1; i <= input.controlPlanes; i++)
    nodes.push({ name: controlPlaneName(i), role: "control-plane" });
  if (input.workerPools) {
    for (const pool of input.workerPools) {
      for (let i = 1; i <= pool.workers; i++)
        nodes.push({ name: workerName(i, pool.name), role: "worker", pool: pool.name });
    }
  } else {
    for (let i = 1; i <= input.workers; i++) nodes.push({ name: workerName(i), role: "worker" });
  }
  return nodes;
}

/** The details of each event of a union of emitted events, by event name. */
type DetailsOf<U extends { type: string }> = { [E in U["type"]]: Omit<Extract<U, { type: E }>, "type"> };

/** Details of the events the controller itself records (the machines emit the rest). */
export interface ControllerDetails {
  "update-received": { profile: string };
  /** Refused before any node moved: unsupported (at publish time), or a pool past the Kubernetes N-3 skew. */
  "update-refused": {
    profile: string;
    rule: string;
    reason: string;
    pool?: string;
    poolKubernetes?: string;
    controlPlaneKubernetes?: string;
  };
  /** An unsupported plan reached the simulation (only an injected planner can do that): the agent fails. */
  "update-rejected": { profile: string; reasons: string[] };
  "update-acknowledged": { profile: string; from: string };
  "agent-restart": { downMs: number };
  "kubernetes-down": Record<never, never>;
  "kubernetes-up": Record<never, never>;
  "rollout-started": { profile: string; from: string; behavior: Behavior; services: Service[] };
  "rollout-paused": { profile: string; reason: "kubernetes-down" };
  "rollout-resumed": { profile: string };
  "rollout-superseded": { profile: string; by: string };
  "rollout-finished": { profile: string; behavior: Behavior };
  "rollout-halted": {
    node: string;
    profile?: string;
    action: NodeAction;
    reason: string;
    attempts: number;
  };
  "failure-armed": { node: string; action: NodeAction | "any"; times: number };
  "action-retried": { node: string; action: NodeAction; attempt: number };
  "pool-toggled": { pool: string; skipWorkerUpdate: boolean };
  /** The scenario's operator acts on a node (`recover`); `waiting`: whether the node was waiting for it. */
  "operator-recover": { node: string; waiting: boolean };
  /** Two-node: the upgrade pauses both nodes' liveness probes; `first` was picked by the seed. */
  "liveness-probes-paused": { profile: string; first: string; leader: string };
  /** Two-node: both nodes are upgraded, the probes run again. */
  "liveness-probes-resumed": { profile: string };
  /** Two-node: the leader went down for its action; writes are unavailable (reads go on). */
  "write-outage-started": { node: string; action: NodeAction };
  /** Two-node: the leader is Ready again; `durationMs` since its outage began. */
  "write-outage-ended": { node: string; durationMs: number };
  "pool-catch-up": { pool: string; profile: string; nodes: number };
  /** `nodes`: only when part of the pool sits out (see SkippedPool). */
  "pool-skipped": {
    pool: string;
    profile: string;
    kubernetes: string | undefined;
    nodes?: string[];
    target: string;
  };
}

/** Details of every timeline event, by event name (`t` and `event` come on top; `node` is listed here). */
export type TimelineDetails = ControllerDetails & DetailsOf<NodeEmitted> & DetailsOf<AgentEmitted>;

export type TimelineEventName = keyof TimelineDetails;

/** One line of a cluster's timeline: `t` is virtual ms since the start; `event` says which details follow. */
export type TimelineEntry = {
  [E in TimelineEventName]: { t: number; node?: string; event: E } & TimelineDetails[E];
}[TimelineEventName];

/** The entry of one event name. */
export type TimelineEntryOf<E extends TimelineEventName> = Extract<TimelineEntry, { event: E }>;

/** An event as the machines and the controller produce it, before the clock stamps it. */
export type TimelineEvent = {
  [E in TimelineEventName]: { event: E } & TimelineDetails[E];
}[TimelineEventName];

export const SIMULATION_OUTCOMES = ["converged", "blocked", "failed"] as const;
export type SimulationOutcome = (typeof SIMULATION_OUTCOMES)[number];

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

/** An update refused before the cluster moved: unsupported, or past the Kubernetes version skew. */
export interface RefusedUpdate {
  t: number;
  profile: string;
  reason: string;
  rule: string;
}

/** An injected node fault (`{ at, node, fail, times }`) and how many of its `times` fired. */
export interface FaultReport {
  at: number;
  node: string;
  fail: NodeAction | "any";
  times: number;
  fired: number;
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
  /** Updates refused (unsupported at publish time, or the Kubernetes skew), in time order. */
  refused: RefusedUpdate[];
  /** Every injected node fault, in time order, and how many of its `times` fired (0: it never fired). */
  faults: FaultReport[];
  /** Two-node clusters only: virtual ms during which writes were unavailable (the leader down). */
  writeOutageMs?: number;
}

/** The faults of a result that never fired (a fault with `times: 3` that fired once did fire). */
export function unfiredFaults(result: Pick<SimulationResult, "faults">): FaultReport[] {
  return result.faults.filter((fault) => fault.fired === 0);
}
