import { MinHeap } from "../shared/heap.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { TemplateAssumptions, UpgradeWindow } from "./template-policy.js";

/**
 * A Palette cluster template on the fleet's clock (UTC ms): the pure decisions of the maintenance
 * policy over per-site rollouts simulated each on its own. One template state — `applied` (every
 * cluster on the current version), `rolling`, or `partially applied` — decides what a window does:
 *
 * - applied, a newer version published: the window picks up the *latest* one; versions published
 *   since the last pick-up that it replaces are skipped (rule `collapse`);
 * - rolling or partially applied: the window (or Upgrade now) retries the clusters not yet on the
 *   current version; newer versions wait (rule `same-version`);
 * - a window that closes with clusters not on the current version and not rolling leaves the template
 *   partially applied (rule `partially-applied`) until they are.
 *
 * Rule ids are those of `TEMPLATE_RULES` (template-policy.ts); the silent cases follow `assume`.
 */
export interface TemplateVersionInput {
  name: string;
  /** When it was published; the initial version (index 0) is -∞. */
  atMs: number;
  /** Why it can never roll (a profile variable some site has no value for); absent: it can. */
  blockedBy?: string;
}

export interface TemplateScheduleInput {
  sites: number;
  /** Index 0 is the version every site starts on; then the published versions in time order. */
  versions: readonly TemplateVersionInput[];
  windows: { nextOpening(t: number): UpgradeWindow | undefined };
  upgradeNowMs: readonly number[];
  startMs: number;
  /** Nothing opens after this (the horizon). */
  untilMs: number;
  assume: Pick<TemplateAssumptions, "concurrency" | "windowClose" | "upgradeNowMs">;
  /** The fault-free rollout time of a site from one version to another (for `windowClose: fits`). */
  predictedMs: (site: number, from: number, to: number) => number;
  /** A site's simulated rollout from one version to another, its `attempt`-th try (0-based). */
  outcome: (
    site: number,
    from: number,
    to: number,
    attempt: number,
  ) => { result: SimulationOutcome; durationMs: number };
}

export type SessionKind = "window" | "upgrade-now";

/** What a window (or an Upgrade now) did. */
export type SessionAction = "rolls" | "retries" | "continues" | "blocked";

export interface Session {
  kind: SessionKind;
  openMs: number;
  /** +∞ for an Upgrade now that ran until every cluster had started. */
  closeMs: number;
  action: SessionAction;
  version: number;
  /** Rollouts it started. */
  started: number;
}

export type VersionState = "initial" | "applied" | "rolling" | "partial" | "skipped" | "blocked" | "pending";

export interface VersionTimeline {
  name: string;
  atMs: number;
  state: VersionState;
  /** The session that picked it up. */
  pickedBy?: number;
  pickedAtMs?: number;
  /** The version that replaced it before a window picked it up. */
  skippedFor?: number;
  /** When the last site reached it. */
  everywhereAtMs?: number;
  /** Windows (or Upgrade nows) in which some of its rollouts started. */
  windows: number;
  blockedBy?: string;
  /** Intervals during which the template was partially applied on this version. */
  partial: { fromMs: number; untilMs?: number }[];
}

export interface Rollout {
  site: number;
  from: number;
  to: number;
  attempt: number;
  session: number;
  startMs: number;
  endMs: number;
  result: SimulationOutcome;
}

export interface TemplateSchedule {
  versions: VersionTimeline[];
  sessions: Session[];
  /** In the order they started. */
  rollouts: Rollout[];
  /** Each site's version at the end. */
  finalVersion: number[];
  /** The template's state at the end. */
  state: "applied" | "rolling" | "partial";
  /** Milliseconds the template was partially applied (an interval still open at the end counts to the horizon). */
  blockedMs: number;
  maxConcurrent: number;
  /** When the last rollout ended (the start when none did). */
  endMs: number;
}

interface Running {
  site: number;
  endMs: number;
  rollout: Rollout;
}

export function templateSchedule(input: TemplateScheduleInput): TemplateSchedule {
  const n = input.sites;
  const versions: VersionTimeline[] = input.versions.map((v, i) => ({
    name: v.name,
    atMs: v.atMs,
    state: i === 0 ? "initial" : "pending",
    windows: 0,
    partial: [],
    ...(v.blockedBy !== undefined ? { blockedBy: v.blockedBy } : {}),
  }));
  const sessions: Session[] = [];
  const rollouts: Rollout[] = [];
  const siteVersion = new Int32Array(n);
  const attempts = new Uint32Array(n);
  const isRolling = new Uint8Array(n);
  let onCurrent = n;
  let current = 0;
  let state: TemplateSchedule["state"] = "applied";
  let published = 1; // versions[0..published-1] are out
  let nowIndex = 0;
  let lastWindowOpen = Number.NEGATIVE_INFINITY;
  let open: { closeMs: number; session: number; kind: SessionKind } | undefined;
  let queue: number[] = [];
  let cursor = 0;
  let maxConcurrent = 0;
  let lastEnd = input.startMs;
  const versionCountedIn = new Int32Array(versions.length).fill(-1);
  const rolling = new MinHeap<Running>(
    (a, b) => a.endMs < b.endMs || (a.endMs === b.endMs && a.site < b.site),
  );
  const concurrency = input.assume.concurrency;

  const fillQueue = () => {
    queue = [];
    cursor = 0;
    for (let s = 0; s < n; s++) if (siteVersion[s] !== current && isRolling[s] === 0) queue.push(s);
  };

  const openSession = (t: number, kind: SessionKind) => {
    const closeMs =
      kind === "window" ? (input.windows.nextOpening(t)?.closeMs ?? t) : t + input.assume.upgradeNowMs;
    let action: SessionAction | undefined;
    if (state === "applied") {
      const latest = published - 1;
      if (latest <= current) return;
      const v = versions[latest] as VersionTimeline;
      if (v.blockedBy !== undefined) {
        if (v.state === "pending") v.state = "blocked";
        sessions.push({ kind, openMs: t, closeMs, action: "blocked", version: latest, started: 0 });
        return;
      }
      for (let k = current + 1; k < latest; k++) {
        const skipped = versions[k] as VersionTimeline;
        skipped.state = "skipped";
        skipped.skippedFor = latest;
      }
      current = latest;
      v.state = "rolling";
      v.pickedAtMs = t;
      v.pickedBy = sessions.length;
      onCurrent = 0;
      state = "rolling";
      action = "rolls";
    } else {
      action = state === "partial" ? "retries" : "continues";
      if (state === "partial") {
        const interval = (versions[current] as VersionTimeline).partial.at(-1);
        if (interval && interval.untilMs === undefined) interval.untilMs = t;
      }
      state = "rolling";
      (versions[current] as VersionTimeline).state = "rolling";
    }
    fillQueue();
    const session = sessions.length;
    sessions.push({ kind, openMs: t, closeMs, action, version: current, started: 0 });
    const until = Math.max(closeMs, open?.closeMs ?? Number.NEGATIVE_INFINITY);
    // An Upgrade now that runs until every cluster has started outlasts any window it overlaps.
    open = { closeMs: until, session, kind: Number.isFinite(until) ? "window" : "upgrade-now" };
  };

  const startSites = (t: number) => {
    if (!open || t >= open.closeMs) return;
    while (rolling.size < concurrency && cursor < queue.length) {
      const s = queue[cursor++] as number;
      if (siteVersion[s] === current || isRolling[s] === 1) continue;
      const from = siteVersion[s] as number;
      if (input.assume.windowClose === "fits" && t + input.predictedMs(s, from, current) > open.closeMs)
        continue;
      const attempt = attempts[s] as number;
      const outcome = input.outcome(s, from, current, attempt);
      const rollout: Rollout = {
        site: s,
        from,
        to: current,
        attempt,
        session: open.session,
        startMs: t,
        endMs: t + Math.max(0, outcome.durationMs),
        result: outcome.result,
      };
      rollouts.push(rollout);
      isRolling[s] = 1;
      rolling.push({ site: s, endMs: rollout.endMs, rollout });
      const session = sessions[open.session] as Session;
      session.started++;
      if (versionCountedIn[current] !== open.session) {
        versionCountedIn[current] = open.session;
        (versions[current] as VersionTimeline).windows++;
      }
    }
    maxConcurrent = Math.max(maxConcurrent, rolling.size);
  };

  const settle = (t: number) => {
    if (state === "applied") return;
    const v = versions[current] as VersionTimeline;
    if (onCurrent === n && rolling.size === 0) {
      state = "applied";
      v.state = "applied";
      v.everywhereAtMs = t;
      const interval = v.partial.at(-1);
      if (interval && interval.untilMs === undefined) interval.untilMs = t;
      return;
    }
    // Clusters neither on the version nor rolling, and no window to take them: partially applied.
    if (state === "rolling" && !open && n - onCurrent - rolling.size > 0) {
      state = "partial";
      v.state = "partial";
      v.partial.push({ fromMs: t });
    }
  };

  let t = input.startMs;
  for (let guard = 0; ; guard++) {
    if (guard > 100_000_000) throw new Error("template schedule: no progress");
    // 1. Rollouts that ended.
    for (let r = rolling.peek(); r !== undefined && r.endMs <= t; r = rolling.peek()) {
      rolling.pop();
      isRolling[r.site] = 0;
      lastEnd = Math.max(lastEnd, r.endMs);
      if (r.rollout.result === "converged") {
        siteVersion[r.site] = r.rollout.to;
        onCurrent++;
      } else attempts[r.site] = (attempts[r.site] as number) + 1;
    }
    // 2. Versions published.
    while (published < versions.length && (versions[published] as VersionTimeline).atMs <= t) published++;
    // 3. The window closed (an Upgrade now closes once every cluster has started and none rolls).
    if (
      open &&
      (t >= open.closeMs || (open.kind === "upgrade-now" && cursor >= queue.length && rolling.size === 0))
    )
      open = undefined;
    settle(t);
    // 4. Windows and Upgrade nows opening now.
    const window = input.windows.nextOpening(Math.max(t, lastWindowOpen + 1));
    if (window && window.openMs === t && t <= input.untilMs) {
      lastWindowOpen = t;
      openSession(t, "window");
    }
    while (nowIndex < input.upgradeNowMs.length && (input.upgradeNowMs[nowIndex] as number) <= t) {
      nowIndex++;
      openSession(t, "upgrade-now");
    }
    // 5. Clusters that may start.
    startSites(t);
    settle(t);

    // The next instant something can happen.
    let next = rolling.peek()?.endMs ?? Number.POSITIVE_INFINITY;
    if (published < versions.length) next = Math.min(next, (versions[published] as VersionTimeline).atMs);
    if (nowIndex < input.upgradeNowMs.length) next = Math.min(next, input.upgradeNowMs[nowIndex] as number);
    if (open) next = Math.min(next, open.closeMs);
    const latest = published - 1;
    const waiting =
      state !== "applied" || (latest > current && (versions[latest] as VersionTimeline).state === "pending");
    if (waiting) {
      const w = input.windows.nextOpening(Math.max(t + 1, lastWindowOpen + 1));
      if (w && w.openMs <= input.untilMs) next = Math.min(next, w.openMs);
    }
    if (!Number.isFinite(next)) break;
    t = next;
  }
  let blockedMs = 0;
  for (const v of versions)
    for (const p of v.partial) blockedMs += (p.untilMs ?? Math.max(input.untilMs, p.fromMs)) - p.fromMs;
  return {
    versions,
    sessions,
    rollouts,
    finalVersion: [...siteVersion],
    state,
    blockedMs,
    maxConcurrent,
    endMs: lastEnd,
  };
}
