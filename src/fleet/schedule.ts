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

type Pause = Strategy["pauses"][number];

/** The placement of a site no wave reaches: one object, shared (placements are replaced, never changed). */
export const UNSELECTED: Placement = Object.freeze({ state: "unselected" });

/**
 * A rolled site's placement, with the same keys in the same order whether or not it downloaded first:
 * two literals rather than a spread of the download's keys, which would make each of a hundred thousand
 * objects the slow way.
 */
export function rolledPlacement(
  wave: string,
  startMs: number,
  endMs: number,
  windowEndMs: number,
  result: SimulationOutcome,
  overran: boolean,
  downloadStartMs: number | undefined,
  downloadEndMs: number | undefined,
): Placement {
  return downloadStartMs !== undefined
    ? {
        state: "rolled",
        wave,
        downloadStartMs,
        downloadEndMs: downloadEndMs as number,
        startMs,
        endMs,
        windowEndMs,
        result,
        overran,
      }
    : { state: "rolled", wave, startMs, endMs, windowEndMs, result, overran };
}

/** The pause `at` falls in (the first one listed), if any. */
function pauseAt(pauses: readonly Pause[], at: number): Pause | undefined {
  for (const p of pauses) if (at >= p.fromMs && at < p.untilMs) return p;
  return undefined;
}

/** The registry's throughput as steps, and its peak. */
class RegistryTrace {
  readonly points: { t: number; bps: number }[];
  peak = 0;

  constructor(startMs: number) {
    this.points = [{ t: startMs, bps: 0 }];
  }

  record(at: number, exact: number): void {
    // Whole bits per second: shares that add up to the capacity must not read as above it.
    const bps = Math.round(exact);
    const last = this.points[this.points.length - 1] as { t: number; bps: number };
    if (last.bps === bps) return;
    if (last.t === at) last.bps = bps;
    else this.points.push({ t: at, bps });
    if (bps > this.peak) this.peak = bps;
  }
}

/** A site rolling: one shape whether or not it downloaded first. */
class Rollout {
  constructor(
    readonly site: number,
    readonly startMs: number,
    readonly endMs: number,
    readonly windowEndMs: number,
    readonly result: SimulationOutcome,
    readonly downloadStartMs: number | undefined,
    readonly downloadEndMs: number | undefined,
  ) {}
}

/** A download the window waits for; `giveUpMs`: with `fits`, when the rest of the window no longer holds the rollout. */
interface Download {
  windowEndMs: number;
  downloadStartMs: number;
  giveUpMs: number;
}

/**
 * One wave on the schedule's clock, step by step: each step starts what may start, shares the registry,
 * moves to the next instant something happens and settles what happened then. Each part is a method of
 * its own (small and called at every step, so that the JIT optimizes each early, whatever the fleet).
 */
class WaveRun {
  readonly counts: WaveSchedule["counts"] = {
    converged: 0,
    blocked: 0,
    failed: 0,
    skipped: 0,
    unschedulable: 0,
  };
  waveEnd: number;
  waveMax = 0;
  halted: Schedule["halted"];
  private t: number;
  private readonly sites: readonly ScheduleSite[];
  private readonly waveSlots: number;
  private readonly ignoreWindows: boolean;
  private readonly pending = new PendingSites();
  private readonly cancelled = new Map<number, number>();
  private readonly flows: Flow[] = [];
  // Sites rolling, by when they end: the rollouts that end at an instant do not depend on each other.
  private readonly rolling = new MinHeap<Rollout>(
    (a, b) => a.endMs < b.endMs || (a.endMs === b.endMs && a.site < b.site),
  );
  private readonly downloading = new Map<number, Download>();
  private failures = 0;
  private waveHalted = false;

  constructor(
    private readonly input: ScheduleInput,
    private readonly wave: Strategy["waves"][number],
    private readonly placements: Placement[],
    startMs: number,
  ) {
    this.t = startMs;
    this.waveEnd = startMs;
    this.sites = input.sites;
    this.waveSlots = varied("concurrency-ignored") ? Number.POSITIVE_INFINITY : wave.concurrency;
    this.ignoreWindows = varied("windows-ignored");
    for (const s of wave.sites) {
      const site = this.sites[s] as ScheduleSite;
      if (!this.ignoreWindows && neverFits(site, input.windowMode, input.prefetch))
        this.unschedulable(s, site);
      else if (input.prefetch && site.downloadBits > 0) {
        this.flows.push({
          site: s,
          remaining: site.downloadBits,
          cap: site.linkBps,
          rate: 0,
          prefetch: true,
        });
        this.pending.addUnfetched(s);
      } else this.pending.add(s, Number.NEGATIVE_INFINITY, startMs);
    }
  }

  /** Runs the wave to its end, recording the registry's throughput. */
  run(registry: RegistryTrace): void {
    const { flows } = this;
    const capacity = this.input.registryBps;
    for (let guard = 0; ; guard++) {
      if (guard > 50_000_000) throw new Error("schedule: no progress");
      this.startWhatMay();
      this.waveMax = Math.max(this.waveMax, this.inSlots());
      shareRegistry(flows, capacity);
      registry.record(this.t, totalRate(flows));
      const next = this.nextInstant();
      if (next === Number.POSITIVE_INFINITY) break;
      this.advanceTo(next);
      if (flows.length > 0) this.finishDownloads();
      if (this.downloading.size > 0) this.giveUpDownloads();
      this.endRollouts();
      if (this.waveHalted && this.pending.size > 0) this.skipTheRest();
      if (this.isOver()) {
        flows.length = 0;
        shareRegistry(flows, capacity);
        registry.record(this.t, 0);
        break;
      }
    }
  }

  private needOf(s: number): number {
    return windowNeedMs(this.sites[s] as ScheduleSite, this.input.prefetch);
  }

  private inSlots(): number {
    return this.rolling.size + this.downloading.size;
  }

  /** Starts what may start now: the ready sites, in inventory order, while the wave has slots. */
  private startWhatMay(): void {
    const { pending, t } = this;
    pending.advance(t);
    if (this.waveHalted || pauseAt(this.input.strategy.pauses, t)) return;
    while (this.inSlots() < this.waveSlots) {
      const s = pending.takeReady();
      if (s === undefined) break;
      const site = this.sites[s] as ScheduleSite;
      let windowEndMs = Number.POSITIVE_INFINITY;
      if (!this.ignoreWindows) {
        const slot = site.calendar.nextStart(t, this.needOf(s), this.input.windowMode);
        if (!slot) {
          this.unschedulable(s, site);
          continue;
        }
        if (slot.startMs > t) {
          pending.add(s, slot.startMs, t);
          continue;
        }
        windowEndMs = slot.windowEndMs;
      }
      if (!this.input.prefetch && site.downloadBits > 0) {
        const giveUpMs =
          this.input.windowMode === "fits" ? windowEndMs - site.predictedMs : Number.POSITIVE_INFINITY;
        this.downloading.set(s, { windowEndMs, downloadStartMs: t, giveUpMs });
        this.flows.push({
          site: s,
          remaining: site.downloadBits,
          cap: site.linkBps,
          rate: 0,
          prefetch: false,
        });
      } else this.startRolling(s, t, windowEndMs, undefined, undefined);
    }
  }

  private unschedulable(s: number, site: ScheduleSite): void {
    const { t } = this;
    this.placements[s] = {
      state: "unschedulable",
      wave: this.wave.name,
      needMs: this.needOf(s),
      longestWindowMs: site.calendar.longestMs(),
      downloadsCancelled: this.cancelled.get(s) ?? 0,
      atMs: t,
    };
    this.waveEnd = Math.max(this.waveEnd, t);
    this.counts.unschedulable++;
  }

  private startRolling(
    s: number,
    at: number,
    windowEndMs: number,
    downloadStartMs: number | undefined,
    downloadEndMs: number | undefined,
  ): void {
    const outcome = this.input.outcome(s);
    this.rolling.push(
      new Rollout(
        s,
        at,
        at + Math.max(0, outcome.durationMs),
        windowEndMs,
        outcome.result,
        downloadStartMs,
        downloadEndMs,
      ),
    );
  }

  /** The next instant something happens (+∞: nothing will). */
  private nextInstant(): number {
    const { flows, t } = this;
    let next = Number.POSITIVE_INFINITY;
    for (const f of flows)
      if (f.rate > 0) next = Math.min(next, t + Math.max(1, Math.ceil((f.remaining / f.rate) * 1000)));
    next = Math.min(next, this.rolling.peek()?.endMs ?? Number.POSITIVE_INFINITY);
    if (this.downloading.size > 0)
      for (const d of this.downloading.values()) next = Math.min(next, d.giveUpMs);
    if (!this.waveHalted && this.inSlots() < this.waveSlots) {
      const pause = pauseAt(this.input.strategy.pauses, t);
      if (pause) next = Math.min(next, pause.untilMs);
      else next = Math.min(next, this.pending.nextOpening());
    }
    return next;
  }

  private advanceTo(next: number): void {
    const dt = next - this.t;
    for (const f of this.flows) f.remaining -= (f.rate * dt) / 1000;
    this.t = next;
  }

  /** Downloads that finished: a prefetched site may start, a site that waited for its image rolls. */
  private finishDownloads(): void {
    const { flows, t } = this;
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i] as Flow;
      if (f.remaining > EPS_BITS) continue;
      flows.splice(i--, 1);
      if (f.prefetch) this.pending.fetched(f.site);
      else {
        const d = this.downloading.get(f.site);
        this.downloading.delete(f.site);
        if (d) this.startRolling(f.site, t, d.windowEndMs, d.downloadStartMs, t);
      }
    }
  }

  /** Downloads the window can no longer wait for: the site gives up its slot until its next window. */
  private giveUpDownloads(): void {
    const { flows, t } = this;
    for (const [s, d] of [...this.downloading]) {
      if (d.giveUpMs > t) continue;
      this.downloading.delete(s);
      flows.splice(
        flows.findIndex((f) => f.site === s && !f.prefetch),
        1,
      );
      this.cancelled.set(s, (this.cancelled.get(s) ?? 0) + 1);
      this.pending.add(s, d.windowEndMs, t);
    }
  }

  /** Rollouts that ended by now, each placed; a failure beyond the wave's budget halts the rollout. */
  private endRollouts(): void {
    const { rolling, t, counts } = this;
    const wave = this.wave.name;
    for (let r = rolling.peek(); r !== undefined && r.endMs <= t; r = rolling.peek()) {
      rolling.pop();
      this.placements[r.site] = rolledPlacement(
        wave,
        r.startMs,
        r.endMs,
        r.windowEndMs,
        r.result,
        r.endMs > r.windowEndMs,
        r.downloadStartMs,
        r.downloadEndMs,
      );
      counts[r.result]++;
      this.waveEnd = Math.max(this.waveEnd, r.endMs);
      if (r.result === "failed") {
        this.failures++;
        const budget = varied("failure-budget-ignored") ? undefined : this.wave.failureBudget;
        if (budget !== undefined && this.failures > budget && !this.waveHalted) {
          this.waveHalted = true;
          this.halted = { wave, atMs: t, failed: [] };
        }
      }
    }
  }

  /** The wave halted: the sites still to start are skipped, and their prefetches stop. */
  private skipTheRest(): void {
    const skipped = this.pending.drain();
    for (const s of skipped) this.placements[s] = { state: "skipped", wave: this.wave.name };
    this.counts.skipped += skipped.length;
    const { flows } = this;
    for (const f of flows.filter((f) => f.prefetch)) flows.splice(flows.indexOf(f), 1);
  }

  private isOver(): boolean {
    return (
      this.pending.size === 0 &&
      this.rolling.size === 0 &&
      this.downloading.size === 0 &&
      (this.flows.length === 0 || this.flows.every((f) => f.prefetch))
    );
  }
}

/** The registry's total throughput: the flows' rates summed in order. */
function totalRate(flows: readonly Flow[]): number {
  let sum = 0;
  for (const f of flows) sum += f.rate;
  return sum;
}

export function schedule(input: ScheduleInput): Schedule {
  const { strategy, sites } = input;
  // Placements are replaced, never changed: the sites no wave reaches share one.
  const placements: Placement[] = new Array<Placement>(sites.length).fill(UNSELECTED);
  const waves: WaveSchedule[] = [];
  const registry = new RegistryTrace(input.startMs);
  let maxConcurrent = 0;
  let halted: Schedule["halted"];
  let t = input.startMs;
  let lastEnd = input.startMs;

  for (const wave of strategy.waves) {
    if (halted) {
      for (const s of wave.sites) placements[s] = { state: "skipped", wave: wave.name };
      continue;
    }
    if (wave.resumeAtMs !== undefined) t = Math.max(t, wave.resumeAtMs);
    for (let p = pauseAt(strategy.pauses, t); p; p = pauseAt(strategy.pauses, t)) t = p.untilMs;
    const waveStart = t;
    const run = new WaveRun(input, wave, placements, t);
    run.run(registry);
    halted = run.halted;
    if (halted) {
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
      endMs: run.waveEnd,
      counts: run.counts,
      maxConcurrent: run.waveMax,
    });
    maxConcurrent = Math.max(maxConcurrent, run.waveMax);
    lastEnd = Math.max(lastEnd, run.waveEnd);
    t = run.waveEnd + (halted ? 0 : wave.soakMs);
  }
  return {
    placements,
    waves,
    ...(halted ? { halted } : {}),
    registry: registry.points,
    peakRegistryBps: registry.peak,
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
