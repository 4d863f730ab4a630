import type { Distribution } from "../shared/types.js";
import { varied } from "../shared/variation.js";
import { SKIP_WORKER_RULE, skipWorkerSupported } from "./skew.js";
import { twoNodePlanRefusal, twoNodeRefusal } from "./two-node.js";
import type {
  RefusedUpdate,
  SimInputEvent,
  SimulationInput,
  TimelineEntry,
  TimelineEntryOf,
} from "./types.js";

/**
 * Unsupported updates (a CNI or storage pack switch) are refused when they are published, as Palette
 * refuses them: the cluster never hears of them. Which are refused is decided in event order against the
 * last accepted profile. An update to a distribution without "skip worker node update" (K3s, RKE2) is
 * refused while a worker pool has the toggle on (Node Pools § Skip Worker Node Update: Edge supports it on
 * PXK-E and Canonical only); so is an update of a two-node cluster to a distribution other than K3s and
 * Canonical (Two-Node Architecture § Limitations), or to a profile the planner reads as systemd-extension
 * delivery (uri "NA" with no mode: `twoNodePlanRefusal`). The same for a scenario and for each cluster of a fleet. `accepted` is in time order.
 */
export function refuseUnsupported(
  input: Pick<SimulationInput, "events" | "initialProfile" | "profiles" | "plan" | "workerPools" | "twoNode">,
): {
  accepted: SimInputEvent[];
  refused: RefusedUpdate[];
} {
  const accepted: SimInputEvent[] = [];
  const refused: RefusedUpdate[] = [];
  let current = input.initialProfile;
  const skipping = new Set(
    (input.workerPools ?? []).filter((pool) => pool.skipWorkerUpdate === true).map((pool) => pool.name),
  );
  // In time order (stable: events at one instant keep their order), as the cluster would see them.
  const events = [...input.events].sort((a, b) => a.at - b.at);
  for (const event of events) {
    if (event.type === "pool-toggle") {
      if (event.skipWorkerUpdate) skipping.add(event.pool);
      else skipping.delete(event.pool);
    }
    if (event.type === "update") {
      const from = input.profiles.get(current);
      const to = input.profiles.get(event.profile);
      const pool = [...skipping][0];
      if (
        to &&
        pool !== undefined &&
        !skipWorkerSupported(to.profile.distribution) &&
        !varied("skip-worker-refusal-off")
      ) {
        refused.push({
          t: event.at,
          profile: event.profile,
          reason: skipWorkerReason(pool, to.profile.distribution),
          rule: SKIP_WORKER_RULE,
        });
        continue;
      }
      // The distribution first (whatever the plan), then the delivery mode the plan was made for.
      const twoNode =
        to && input.twoNode
          ? (twoNodeRefusal(to.profile.distribution, undefined) ??
            (from ? twoNodePlanRefusal(input.plan(from.profile, to.profile)) : undefined))
          : undefined;
      if (twoNode) {
        refused.push({ t: event.at, profile: event.profile, ...twoNode });
        continue;
      }
      if (from && to) {
        const first = input.plan(from.profile, to.profile).unsupported[0];
        if (first) {
          refused.push({ t: event.at, profile: event.profile, reason: first.reason, rule: first.rule });
          continue;
        }
      }
      current = event.profile;
    }
    accepted.push(event);
  }
  return { accepted, refused };
}

export function refusalEntry(refusal: RefusedUpdate): TimelineEntryOf<"update-refused"> {
  return {
    t: refusal.t,
    event: "update-refused",
    profile: refusal.profile,
    rule: refusal.rule,
    reason: refusal.reason,
  };
}

/** Publish-time refusals go after the simulation's entries of the same instant, keeping both orders stable. */
export function mergeRefusals(
  timeline: readonly TimelineEntry[],
  refused: readonly RefusedUpdate[],
): TimelineEntry[] {
  if (refused.length === 0) return [...timeline];
  const out: TimelineEntry[] = [];
  let next = 0;
  for (const entry of timeline) {
    while (next < refused.length && (refused[next] as RefusedUpdate).t < entry.t) {
      out.push(refusalEntry(refused[next] as RefusedUpdate));
      next++;
    }
    out.push(entry);
  }
  for (; next < refused.length; next++) out.push(refusalEntry(refused[next] as RefusedUpdate));
  return out;
}

/** Every refusal of a run: those made at publish time, then the simulation's own (Kubernetes skew), by time. */
export function allRefusals(
  timeline: readonly TimelineEntry[],
  published: readonly RefusedUpdate[],
): RefusedUpdate[] {
  const simulated: RefusedUpdate[] = [];
  for (const entry of timeline) {
    if (entry.event === "update-refused")
      simulated.push({ t: entry.t, profile: entry.profile, reason: entry.reason, rule: entry.rule });
  }
  return [...published, ...simulated].sort((a, b) => a.t - b.t);
}

function skipWorkerReason(pool: string, distribution: Distribution): string {
  return `worker pool ${pool} has "skip worker node update" on, which Palette supports on Edge for PXK-E and Canonical only, not ${distribution}`;
}
