/** The node machine's data: timings, jobs, context, events, what it emits, its states. */
import type { StepDistributions } from "../shared/timing-distribution.js";
import type { AbFallback, NodeAction, NodeRole, Service } from "../shared/types.js";

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
  /**
   * Steps given as distributions (fitted from history, or `{ lognormal: … }` in a file): drawn instead of
   * jittered. The step's number above is then the distribution's median (used when jitter is 0).
   */
  distributions?: StepDistributions;
}

/**
 * Realistic defaults for an edge host (virtual ms). A repave re-images the disk and boots the new image,
 * so it dominates; a reboot keeps the image; a service restart bounces a few systemd units; a config
 * reload (`stages.reconcile.*`) re-runs the reconcile stage in place. `rejoin` is the time from boot to
 * the node being Ready in Kubernetes again. `jitter` 0.1 scales each step by a seeded factor in
 * [0.9, 1.1] when the job starts.
 */
export const DEFAULT_TIMINGS: Readonly<Required<Timings>> = Object.freeze({
  cordonMs: 2_000,
  drainMs: 45_000,
  repaveMs: 12 * 60_000,
  rebootMs: 4 * 60_000,
  serviceRestartMs: 40_000,
  configReloadMs: 5_000,
  rejoinMs: 60_000,
  jitter: 0.1,
  agentRestartMs: 30_000,
  distributions: {},
});

/** Durations of one job's steps, already jittered (the machine itself draws no randomness). */
export interface JobDurations {
  cordonMs: number;
  drainMs: number;
  actionMs: number;
  rejoinMs: number;
}

/** What the controller asks one node to do. */
export interface NodeJob {
  action: NodeAction;
  /** Profile id the node is on once the action succeeds. */
  targetProfile: string;
  /** Image a repave installs (a reboot or lighter action keeps the node's image). */
  targetOsImage: string;
  /** For `service-restart`: only these services restart. */
  services: Service[];
  /** From the target's drain policy (`pack.drain.cordon`); config reload never cordons or drains. */
  cordon: boolean;
  /** The target's drain timeout (`pack.drain.timeout`), reported when the drain begins. */
  drainTimeoutMs: number;
  /**
   * Why this node is not drained (`pack.drainPods` false, or auto on a single-node cluster): the drain
   * step takes no time and the timeline says `node-drain-skipped` instead of draining.
   */
  drainSkipped?: string;
  /** `pack.podSelector` and `pack.disableEviction` of the target, reported when the drain begins. */
  podSelector?: string;
  disableEviction?: boolean;
  durations: JobDurations;
}

/** Why a repave that fell back counts as a failed attempt (the rollout's failure reason when it halts). */
export const FALLBACK_REASON = "new image did not boot; fell back to the passive image";

/** A repave whose new image did not boot: the bootloader went back from `from` (transitional) to `to`. */
export interface ImageFallback {
  from: string;
  to: string;
}

export interface ArmedFailure {
  /** Which injected fault this is (its place among the run's faults), to report whether it fired. */
  id: number;
  action: NodeAction | "any";
  remaining: number;
}

export interface NodeContext {
  name: string;
  role: NodeRole;
  profile: string;
  /** The active image: the one the node boots. */
  osImage: string;
  /**
   * A/B partitions (later Palette releases): the node keeps a passive image next to the active one, and a
   * repave whose image does not boot falls back instead of leaving the node Failed.
   */
  abPartitions: boolean;
  /** After an A/B fallback: wait out of the cluster for an operator, or rejoin on the old image by itself. */
  abFallback: AbFallback;
  /** The passive image (with `abPartitions`; the install image at first, as both partitions start equal). */
  passiveImage: string;
  /** Set when the current job's last attempt fell back; the node is Ready on its old image, job kept. */
  fallback: ImageFallback | null;
  job: NodeJob | null;
  /** Failures injected by the scenario, consumed when a matching action begins. */
  armed: ArmedFailure[];
  /** The action in progress will fail (decided when it began, from `armed`). */
  failing: boolean;
  failureReason: string | null;
  /** Attempts of the current job's action (1 on the first try). */
  attempts: number;
  /** How many times each action began on this node, retries included. */
  started: Partial<Record<NodeAction, number>>;
  /** Attempts each armed fault (by id) made fail. */
  fired: Record<number, number>;
  /** As the node last heard; a drained node does not begin its action while Kubernetes is down. */
  kubernetesUp: boolean;
}

export interface NodeInput {
  name: string;
  role: NodeRole;
  profile: string;
  osImage: string;
  /** Default false: the 4.3-era single image, where a failed repave leaves the node Failed. */
  abPartitions?: boolean;
  /** Default `DEFAULT_AB_FALLBACK` (operator). */
  abFallback?: AbFallback;
  /** Default `osImage`. */
  passiveImage?: string;
  /** Default true. */
  kubernetesUp?: boolean;
}

export type NodeEvent =
  | { type: "START"; job: NodeJob }
  /** A no-op update: the node takes the target profile without any action. */
  | { type: "ADOPT"; profile: string }
  /** From Failed, or from Ready after a fallback (the node is cordoned and drained again first). */
  | { type: "RETRY" }
  /** From Ready after a fallback: drop the job (its rollout was superseded); the node keeps its old profile. */
  | { type: "ABANDON" }
  | { type: "ARM_FAILURE"; id?: number; action: NodeAction | "any"; times?: number }
  /** An operator boots a node that fell back and waits out of the cluster into its active (new) image. */
  | { type: "OPERATOR_RECOVER" }
  | { type: "KUBERNETES_DOWN" }
  | { type: "KUBERNETES_UP" };

/** What a node says happened, as it happens (the controller stamps each with the time). */
export type NodeEmitted =
  | { type: "node-cordoned"; node: string }
  | {
      type: "node-draining";
      node: string;
      cordoned: boolean;
      timeoutMs: number;
      podSelector?: string;
      disableEviction?: boolean;
    }
  /** The node is not drained (`pack.drainPods`); it goes on to its action at once. */
  | { type: "node-drain-skipped"; node: string; cordoned: boolean; reason: string }
  | { type: "node-drained"; node: string }
  | { type: "node-waiting"; node: string; action: NodeAction; reason: "kubernetes-down" }
  | {
      type: "action-started";
      node: string;
      action: NodeAction;
      profile: string;
      attempt: number;
      services?: Service[];
    }
  | { type: "action-finished"; node: string; action: NodeAction }
  | { type: "action-failed"; node: string; action: NodeAction; attempt: number; reason: string }
  | { type: "image-fallback"; node: string; from: string; to: string }
  /** After a fallback the node stays out of the cluster until an operator recovers it (Known Issues, 2025). */
  | { type: "node-awaiting-operator"; node: string; reason: string }
  /** An operator booted the node into its active image (the new one): it rejoins on the target. */
  | { type: "operator-recovered"; node: string; osImage: string }
  /** Its action is over while Kubernetes is down: it cannot report Ready until the API server is back. */
  | { type: "node-rejoin-waiting"; node: string; profile: string; reason: "kubernetes-down" }
  | { type: "node-ready"; node: string; profile: string }
  /** Its plan to the rollout's target is no-op: it takes the profile untouched, staying Ready. */
  | { type: "node-adopted"; node: string; profile: string }
  | { type: "node-rejoined"; node: string; profile: string; osImage: string; passiveImage?: string };

export const NODE_STATES = [
  "Ready",
  "Cordoned",
  "Draining",
  "WaitingForKubernetes",
  "Repaving",
  "Rebooting",
  "RestartingServices",
  "ConfigReloading",
  "Rejoining",
  "WaitingToRejoin",
  "AwaitingOperator",
  "Failed",
] as const;
export type NodeStateName = (typeof NODE_STATES)[number];

/** The state that performs `action`. */
export function actionState(action: NodeAction): NodeStateName {
  switch (action) {
    case "repave":
      return "Repaving";
    case "reboot":
      return "Rebooting";
    case "service-restart":
      return "RestartingServices";
    case "config-reload":
      return "ConfigReloading";
  }
}

const ACTION_STATES: readonly NodeStateName[] = [
  "Repaving",
  "Rebooting",
  "RestartingServices",
  "ConfigReloading",
];

export function isActionState(state: string): boolean {
  return (ACTION_STATES as readonly string[]).includes(state);
}
