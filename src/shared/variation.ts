import type { Behavior } from "./types.js";

/**
 * A deliberate change to edgesim's model of Palette (a *mutant*), for `edgesim test --mutate`: the suite
 * is run against it to see whether some scenario notices. One value, installed for the thread that runs
 * the suite (`withVariation`), read at the few decision points it changes (`varied`); absent (the
 * default), every decision point takes its documented branch and the cost is one property read.
 */
export type ModelVariation =
  /** One rule row's behavior moved one step along the severity order, or the row removed. */
  { kind: "rule"; rule: string; behavior: Behavior | "removed" } | { kind: Exclude<VariationKind, "rule"> };

export type VariationKind =
  | "rule"
  /** The RKE2 known issue (a `stages.*` change repaves) is not applied. */
  | "rke2-quirk-off"
  /** The uri's macros are not rendered: only a change of its raw text repaves. */
  | "uri-macros-off"
  /** A CNI or storage pack switch is planned instead of refused. */
  | "pack-switch-allowed"
  /** A two-node cluster takes any distribution (not only K3s and Canonical). */
  | "two-node-refusal-off"
  /** "Skip worker node update" is taken on K3s and RKE2 too: such an update is not refused. */
  | "skip-worker-refusal-off"
  /** Workers are queued before control planes. */
  | "workers-first"
  /** Every control plane starts at once, not one at a time. */
  | "control-planes-together"
  /** Workers start without the `maxUnavailable` limit. */
  | "max-unavailable-ignored"
  /** Nodes start while Kubernetes is down. */
  | "kubernetes-down-ignored"
  /** An update arriving behind a pending one is dropped: the earliest wins. */
  | "earliest-wins"
  /** When Kubernetes is back, a rollout the outage paused is retargeted to the update pending (before 4.9.14). */
  | "retarget-after-outage"
  /** A failed action is never retried. */
  | "retries-ignored"
  /** Workers start while a control plane is not Ready again. */
  | "health-gate-skipped"
  /** No node is drained. */
  | "drain-skipped"
  /** A fleet wave never halts on failures. */
  | "failure-budget-ignored"
  /** Fleet sites start whenever a slot is free, maintenance windows apart. */
  | "windows-ignored"
  /** Every fleet site of a wave starts at once. */
  | "concurrency-ignored";

let active: ModelVariation | undefined;
/** The decision points reached while tracing (`tracePoints`): variation kinds, and `rule:<id>` per rule applied. */
let points: Set<string> | undefined;

/** The variation in force in this thread; undefined (the model as documented) unless one is installed. */
export function currentVariation(): ModelVariation | undefined {
  return active;
}

/**
 * True when a variation is in force or the decision points are being traced: a shortcut that reaches its
 * result without passing the decision points (the fleet's per-site fast path) must not be taken then.
 */
export function variationWatched(): boolean {
  return active !== undefined || points !== undefined;
}

/** True when the variation in force is of this kind. */
export function varied(kind: Exclude<VariationKind, "rule">): boolean {
  if (points !== undefined) points.add(kind);
  return active !== undefined && active.kind === kind;
}

/** Says that a rule row decided something (traced: a mutant of that row can only change such a run). */
export function noteRuleApplied(id: string): void {
  if (points !== undefined) points.add(`rule:${id}`);
}

/**
 * Runs `run` noting every decision point a variation could change that it reaches: a run that reaches
 * none of a mutant's points runs the same under that mutant (the model is deterministic), so
 * `edgesim test --mutate` need not run it again.
 */
export async function tracePoints<T>(run: () => Promise<T> | T): Promise<{ value: T; points: string[] }> {
  const previous = points;
  const traced = new Set<string>();
  points = traced;
  try {
    const value = await run();
    return { value, points: [...traced].sort() };
  } finally {
    points = previous;
  }
}

/** Runs `run` with `variation` in force in this thread, restoring the previous one afterwards. */
export async function withVariation<T>(
  variation: ModelVariation | undefined,
  run: () => Promise<T> | T,
): Promise<T> {
  const previous = active;
  active = variation;
  try {
    return await run();
  } finally {
    active = previous;
  }
}

/** A key for caches that hold results the variation can change ("" with none). */
export function variationKey(): string {
  if (active === undefined) return "";
  return active.kind === "rule" ? `rule:${active.rule}:${active.behavior}` : active.kind;
}
