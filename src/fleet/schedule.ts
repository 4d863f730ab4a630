import { MinHeap } from "../shared/heap.js";
import { varied } from "../shared/variation.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { Strategy } from "./load.js";
import { neverFits, type ScheduleSite, type WindowMode, windowNeedMs } from "./windows.js";

/**
 * The schedule half of a fleet rollout: a cheap pass on the fleet's clock (UTC ms) over per-site
 * outcomes that were simulated each from its own start. Waves run in order; inside a wave a site
 * takes a free slot (`concurrency`) as soon as its maintenance window admits it, in inventory order.
 * A site first downloads its image (when the update changes the OS), then rolls for its simulated
 * duration. Downloads share the central registry's capacity max-min fairly, each capped by its
 * site's link: a wave that is too wide turns into a pull storm.
 */

export interface ScheduleInput {
  strategy: Strategy;
  sites: readonly ScheduleSite[];
  startMs: number;
  windowMode: WindowMode;
  /** Bits per second the central registry serves, shared by concurrent downloads; absent: unlimited. */
  registryBps?: number;
  prefetch: boolean;
  /** A site's simulated outcome; called once per site that starts (lazily, so a halt simulates no more). */
  outcome: (site: number) => { result: SimulationOutcome; durationMs: number };
}

export type Placement =
  | {
      state: "rolled";
      wave: string;
      downloadStartMs?: number;
      downloadEndMs?: number;
      startMs: number;
      endMs: number;
      windowEndMs: number;
      result: SimulationOutcome;
      overran: boolean;
    }
  | { state: "skipped"; wave: string }
  | {
      state: "unschedulable";
      wave: string;
      needMs: number;
      longestWindowMs: number;
      downloadsCancelled: number;
      atMs: number;
    }
  | { state: "unselected" };

export interface WaveSchedule {
  name: string;
  sites: number;
  startMs: number;
  endMs: number;
  counts: Record<SimulationOutcome | "skipped" | "unschedulable", number>;
  maxConcurrent: number;
}

export interface Schedule {
  placements: Placement[];
  waves: WaveSchedule[];
  halted?: { wave: string; atMs: number; failed: string[] };
  /** Registry throughput in bits per second, as steps: from each point's `t` until the next one. */
  registry: { t: number; bps: number }[];
  peakRegistryBps: number;
  maxConcurrent: number;
  /** When the last site ended (or the start when none rolled). */
  endMs: number;
}

interface Flow {
  site: number;
  remaining: number;
  cap: number;
  rate: number;
  prefetch: boolean;
}

const EPS_BITS = 1e-3;

/**
 * The sites of a wave still to start, kept so that each step costs O(log n) rather than a scan of them
 * all: those that may start now (by inventory order: the order they are offered slots), those waiting
 * for their window to open (by when it opens), and, with prefetch, those whose image is still on its way.
 */
class PendingSites {
  private readonly ready = new MinHeap<number>((a, b) => a < b);
  private readonly waiting = new MinHeap<{ at: number; site: number }>(
    (a, b) => a.at < b.at || (a.at === b.at && a.site < b.site),
  );
  private readonly unfetched = new Set<number>();

  get size(): number {
    return this.ready.size + this.waiting.size + this.unfetched.size;
  }

  /** A site that may start from `at` on (now, when `at` is not after `now`). */
  add(site: number, at: number, now: number): void {
    if (at > now) this.waiting.push({ at, site });
    else this.ready.push(site);
  }

  /** A site that waits for its prefetched image before anything else. */
  addUnfetched(site: number): void {
    this.unfetched.add(site);
  }

  /** Its image arrived: the site may start (when it is still to start). */
  fetched(site: number): void {
    if (this.unfetched.delete(site)) this.ready.push(site);
  }

  /** Moves the sites whose window opened by `now` among those that may start. */
  advance(now: number): void {
    for (let w = this.waiting.peek(); w !== undefined && w.at <= now; w = this.waiting.peek()) {
      this.waiting.pop();
      this.ready.push(w.site);
    }
  }

  /** The first site, in inventory order, that may start now. */
  takeReady(): number | undefined {
    return this.ready.pop();
  }

  /** When the next waiting site's window opens (+∞: none waits). */
  nextOpening(): number {
    return this.waiting.peek()?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Every site still to start, emptying the set. */
  drain(): number[] {
    const all = [...this.ready.values(), ...this.waiting.values().map((w) => w.site), ...this.unfetched];
    this.ready.clear();
    this.waiting.clear();
    this.unfetched.clear();
    return all;
  }
}

export function schedule(input: ScheduleInput): Schedule {
  const { strategy, sites } = input;
  const placements: Placement[] = sites.map(() => ({ state: "unselected" }));
  const waves: WaveSchedule[] = [];
  const registry: { t: number; bps: number }[] = [{ t: input.startMs, bps: 0 }];
  let peak = 0;
  let maxConcurrent = 0;
  let halted: Schedule["halted"];
  let t = input.startMs;
  let lastEnd = input.startMs;

  const paused = (at: number) => strategy.pauses.find((p) => at >= p.fromMs && at < p.untilMs);
  const record = (at: number, exact: number) => {
    // Whole bits per second: shares that add up to the capacity must not read as above it.
    const bps = Math.round(exact);
    const last = registry.at(-1) as { t: number; bps: number };
    if (last.bps === bps) return;
    if (last.t === at) last.bps = bps;
    else registry.push({ t: at, bps });
    if (bps > peak) peak = bps;
  };

  for (const wave of strategy.waves) {
    if (halted) {
      for (const s of wave.sites) placements[s] = { state: "skipped", wave: wave.name };
      continue;
    }
    if (wave.resumeAtMs !== undefined) t = Math.max(t, wave.resumeAtMs);
    for (let p = paused(t); p; p = paused(t)) t = p.untilMs;
    const waveStart = t;
    const counts: WaveSchedule["counts"] = {
      converged: 0,
      blocked: 0,
      failed: 0,
      skipped: 0,
      unschedulable: 0,
    };
    const needOf = (s: number) => windowNeedMs(sites[s] as ScheduleSite, input.prefetch);
    const waveSlots = varied("concurrency-ignored") ? Number.POSITIVE_INFINITY : wave.concurrency;
    const ignoreWindows = varied("windows-ignored");
    const pending = new PendingSites();
    const toStart: number[] = [];
    for (const s of wave.sites) {
      const site = sites[s] as ScheduleSite;
      const need = needOf(s);
      const longest = site.calendar.longestMs();
      if (!ignoreWindows && neverFits(site, input.windowMode, input.prefetch)) {
        placements[s] = {
          state: "unschedulable",
          wave: wave.name,
          needMs: need,
          longestWindowMs: longest,
          downloadsCancelled: 0,
          atMs: t,
        };
        counts.unschedulable++;
      } else toStart.push(s);
    }
    const cancelled = new Map<number, number>();
    const flows: Flow[] = [];
    // Sites rolling, by when they end: the rollouts that end at an instant do not depend on each other.
    const rolling = new MinHeap<{
      site: number;
      endMs: number;
      startMs: number;
      windowEndMs: number;
      downloadStartMs?: number;
      downloadEndMs?: number;
      result: SimulationOutcome;
    }>((a, b) => a.endMs < b.endMs || (a.endMs === b.endMs && a.site < b.site));
    /** `giveUpMs`: with `fits`, a download still running when the rest of the window no longer holds the rollout is cancelled. */
    const downloading = new Map<number, { windowEndMs: number; downloadStartMs: number; giveUpMs: number }>();
    for (const s of toStart) {
      const site = sites[s] as ScheduleSite;
      if (input.prefetch && site.downloadBits > 0) {
        flows.push({ site: s, remaining: site.downloadBits, cap: site.linkBps, rate: 0, prefetch: true });
        pending.addUnfetched(s);
      } else pending.add(s, Number.NEGATIVE_INFINITY, t);
    }
    let failures = 0;
    let waveHalted = false;
    let waveEnd = waveStart;
    let waveMax = 0;

    const startRolling = (
      s: number,
      at: number,
      windowEndMs: number,
      download?: { downloadStartMs: number; downloadEndMs: number },
    ) => {
      const outcome = input.outcome(s);
      rolling.push({
        site: s,
        startMs: at,
        endMs: at + Math.max(0, outcome.durationMs),
        windowEndMs,
        result: outcome.result,
        ...(download ?? {}),
      });
    };

    for (let guard = 0; ; guard++) {
      if (guard > 50_000_000) throw new Error("schedule: no progress");
      // Start what may start at t.
      const inSlots = () => rolling.size + downloading.size;
      pending.advance(t);
      if (!waveHalted && !paused(t)) {
        while (inSlots() < waveSlots) {
          const s = pending.takeReady();
          if (s === undefined) break;
          const site = sites[s] as ScheduleSite;
          const slot = ignoreWindows
            ? { startMs: t, windowEndMs: Number.POSITIVE_INFINITY }
            : site.calendar.nextStart(t, needOf(s), input.windowMode);
          if (!slot) {
            placements[s] = {
              state: "unschedulable",
              wave: wave.name,
              needMs: needOf(s),
              longestWindowMs: site.calendar.longestMs(),
              downloadsCancelled: cancelled.get(s) ?? 0,
              atMs: t,
            };
            waveEnd = Math.max(waveEnd, t);
            counts.unschedulable++;
            continue;
          }
          if (slot.startMs > t) {
            pending.add(s, slot.startMs, t);
            continue;
          }
          if (!input.prefetch && site.downloadBits > 0) {
            const giveUpMs =
              input.windowMode === "fits" ? slot.windowEndMs - site.predictedMs : Number.POSITIVE_INFINITY;
            downloading.set(s, { windowEndMs: slot.windowEndMs, downloadStartMs: t, giveUpMs });
            flows.push({
              site: s,
              remaining: site.downloadBits,
              cap: site.linkBps,
              rate: 0,
              prefetch: false,
            });
          } else startRolling(s, t, slot.windowEndMs);
        }
      }
      waveMax = Math.max(waveMax, inSlots());
      // Share the registry.
      shareRegistry(flows, input.registryBps);
      record(
        t,
        flows.reduce((sum, f) => sum + f.rate, 0),
      );

      // The next instant something happens.
      let next = Number.POSITIVE_INFINITY;
      for (const f of flows)
        if (f.rate > 0) next = Math.min(next, t + Math.max(1, Math.ceil((f.remaining / f.rate) * 1000)));
      next = Math.min(next, rolling.peek()?.endMs ?? Number.POSITIVE_INFINITY);
      for (const d of downloading.values()) next = Math.min(next, d.giveUpMs);
      const pause = paused(t);
      if (!waveHalted && inSlots() < waveSlots) {
        if (pause) next = Math.min(next, pause.untilMs);
        else next = Math.min(next, pending.nextOpening());
      }
      if (next === Number.POSITIVE_INFINITY) break;
      const dt = next - t;
      for (const f of flows) f.remaining -= (f.rate * dt) / 1000;
      t = next;
      // Downloads that finished.
      for (let i = 0; i < flows.length; i++) {
        const f = flows[i] as Flow;
        if (f.remaining > EPS_BITS) continue;
        flows.splice(i--, 1);
        if (f.prefetch) pending.fetched(f.site);
        else {
          const d = downloading.get(f.site);
          downloading.delete(f.site);
          if (d)
            startRolling(f.site, t, d.windowEndMs, { downloadStartMs: d.downloadStartMs, downloadEndMs: t });
        }
      }
      // Downloads the window can no longer wait for: the site gives up its slot until its next window.
      for (const [s, d] of [...downloading]) {
        if (d.giveUpMs > t) continue;
        downloading.delete(s);
        flows.splice(
          flows.findIndex((f) => f.site === s && !f.prefetch),
          1,
        );
        cancelled.set(s, (cancelled.get(s) ?? 0) + 1);
        pending.add(s, d.windowEndMs, t);
      }
      // Rollouts that ended.
      for (let r = rolling.peek(); r !== undefined && r.endMs <= t; r = rolling.peek()) {
        rolling.pop();
        const s = r.site;
        placements[s] = {
          state: "rolled",
          wave: wave.name,
          ...(r.downloadStartMs !== undefined
            ? { downloadStartMs: r.downloadStartMs, downloadEndMs: r.downloadEndMs as number }
            : {}),
          startMs: r.startMs,
          endMs: r.endMs,
          windowEndMs: r.windowEndMs,
          result: r.result,
          overran: r.endMs > r.windowEndMs,
        };
        counts[r.result]++;
        waveEnd = Math.max(waveEnd, r.endMs);
        if (r.result === "failed") {
          failures++;
          const budget = varied("failure-budget-ignored") ? undefined : wave.failureBudget;
          if (budget !== undefined && failures > budget && !waveHalted) {
            waveHalted = true;
            halted = { wave: wave.name, atMs: t, failed: [] };
          }
        }
      }
      if (waveHalted && pending.size > 0) {
        const skipped = pending.drain();
        for (const s of skipped) placements[s] = { state: "skipped", wave: wave.name };
        counts.skipped += skipped.length;
        for (const f of flows.filter((f) => f.prefetch)) flows.splice(flows.indexOf(f), 1);
      }
      if (
        pending.size === 0 &&
        rolling.size === 0 &&
        downloading.size === 0 &&
        flows.every((f) => f.prefetch)
      ) {
        flows.length = 0;
        shareRegistry(flows, input.registryBps);
        record(t, 0);
        break;
      }
    }
    if (halted && halted.wave === wave.name) {
      halted.failed = wave.sites
        .filter((s) => {
          const p = placements[s];
          return p?.state === "rolled" && p.result === "failed";
        })
        .map((s) => (sites[s] as ScheduleSite).name);
    }
    waves.push({
      name: wave.name,
      sites: wave.sites.length,
      startMs: waveStart,
      endMs: waveEnd,
      counts,
      maxConcurrent: waveMax,
    });
    maxConcurrent = Math.max(maxConcurrent, waveMax);
    lastEnd = Math.max(lastEnd, waveEnd);
    t = waveEnd + (halted ? 0 : wave.soakMs);
  }
  return {
    placements,
    waves,
    ...(halted ? { halted } : {}),
    registry,
    peakRegistryBps: peak,
    maxConcurrent,
    endMs: lastEnd,
  };
}

/** Max-min fair shares of the registry, each flow capped by its link. */
export function shareRegistry(
  flows: Flow[] | { cap: number; rate: number }[],
  capacity: number | undefined,
): void {
  if (capacity === undefined) {
    for (const f of flows) f.rate = f.cap;
    return;
  }
  const order = [...flows].sort((a, b) => a.cap - b.cap);
  let left = capacity;
  order.forEach((f, i) => {
    const share = left / (order.length - i);
    f.rate = Math.min(f.cap, share);
    left -= f.rate;
  });
}
