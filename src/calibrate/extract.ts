import { type GivenInterval, type NodeSignals, Rewind, type Transition } from "../history/store.js";
import { grown } from "../shared/columns.js";
import type { TimedStep } from "../shared/timing-distribution.js";
import type { NodeAction } from "../shared/types.js";
import type { Rollout } from "./rollouts.js";

/**
 * From signal changes to step intervals, using only what each signal can tell (docs/calibration.md):
 * - cordon → NotReady is the drain (with the cordon itself, and the action's shutdown);
 * - NotReady → Ready is the action and the rejoin together (no signal separates them);
 * - a second NotReady cycle in the same cordon spell is a retry: the attempt before it failed;
 * - NotReady is seen only after the node controller's grace period (`notReadyDelayMs`, 40 s by default,
 *   kube-controller-manager's --node-monitor-grace-period): that much is moved from the drain to the action;
 * - every change is known only to an interval (between samples, or to the second for events), and so is
 *   every duration: each comes out as [lo, hi], for an interval-censored fit;
 * - a single control plane's reboot stops its API server: NotReady may never be scraped, only a gap.
 *   A cordon spell with a gap and no NotReady is a cycle inside the gap, censored to it;
 * - cordons and NotReady spells in no rollout's window (maintenance, flaps) are counted, never guessed.
 */
export interface Observation {
  step: TimedStep;
  behavior: NodeAction;
  site: string;
  node: string;
  rollout: number;
  /** When the interval began (ms since epoch), for the train/test split. */
  atMs: number;
  loMs: number;
  hiMs: number;
  /** Both ends seen by the same sampling (equal widths): the length's kernel is triangular. */
  triangular: boolean;
}

export interface Attempts {
  behavior: NodeAction;
  site: string;
  rollout: number;
  atMs: number;
  attempts: number;
  failures: number;
}

/** A site's whole rollout as seen: first cordon to last Ready (or uncordon), midpoints. */
export interface SiteActual {
  rollout: number;
  site: string;
  startMs: number;
  endMs: number;
}

/** When a node's part of a site's rollout began (its cordon) and ended (Ready again), each as an interval. */
interface NodeSpan {
  node: string;
  behavior: NodeAction;
  rollout: number;
  site: string;
  startLo: number;
  startHi: number;
  endLo: number;
  endHi: number;
}

export interface Note {
  kind: string;
  count: number;
  example: string;
}

/** Where the extraction's findings go, one at a time (nothing is kept here). */
export interface ObservationSink {
  observation(o: Observation): void;
  attempts(a: Attempts): void;
}

export interface ExtractOptions {
  notReadyDelayMs: number;
  /** A NotReady spell longer than this is no update step (a dead node): reported, left out. */
  maxSpellMs: number;
  /** Keep each site's whole rollout as seen (the back-test compares with it). */
  actuals?: boolean;
}

export const DEFAULT_NOT_READY_DELAY_MS = 40_000;
export const DEFAULT_MAX_SPELL_MS = 2 * 86_400_000;

const ACTION_STEP: Record<NodeAction, TimedStep> = {
  repave: "repave",
  reboot: "reboot",
  "service-restart": "serviceRestart",
  "config-reload": "configReload",
};

/** A note's place in the order of the history (node by node in name order, then the intervals file). */
type Rank = [phase: number, key: string, sub: number, at: number];

const before = (a: Rank, b: Rank) =>
  a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] !== b[2] ? a[2] < b[2] : a[3] < b[3];

/**
 * The extraction, fed stretch by stretch (`node`), as the reader hands them over: observations and
 * attempts go to the sink as found; what a site's nodes show together (the pace between nodes, the
 * site's whole rollout) is kept per site and rollout until the reader says every node of the site is
 * past the rollout (`site`). Notes keep a count and one example: the first in the history's order
 * (node by node in name order), whatever order the stretches come in.
 */
export class Extractor {
  private readonly notes = new Map<string, { note: Note; rank: Rank }>();
  private readonly bySite = new Map<string, Rollout[]>();
  private readonly actuals = new Map<string, SiteActual>();
  private readonly sitesWithIntervals = new Set<string>();
  /** The rollouts by number (a span's `spanRollout`). */
  private readonly rolloutList: Rollout[] = [];
  private readonly rolloutNumber = new Map<Rollout, number>();
  /**
   * Per site (numbered as first seen), flat rather than an object per node: the instant before which its
   * rollouts are closed (their spans fitted), and its open rollouts' node spans as a linked list of
   * records in one table (start lo/hi and end lo/hi, the rollout's number, the node), reused once closed.
   */
  private readonly siteNumber = new Map<string, number>();
  private closedBefore = new Float64Array(1024);
  private spanHead = new Int32Array(1024);
  private spanTimes = new Float64Array(4 * 1024);
  private spanRollout = new Int32Array(1024);
  private spanNext = new Int32Array(1024);
  private readonly spanNode: string[] = [];
  private spanFree = -1;
  private spanTotal = 0;

  constructor(
    rollouts: readonly Rollout[],
    private readonly options: ExtractOptions,
    private readonly sink: ObservationSink,
    private readonly describe: (source: number) => string,
  ) {
    for (const r of rollouts) {
      this.rolloutNumber.set(r, this.rolloutList.length);
      this.rolloutList.push(r);
      for (const s of r.sites) {
        const list = this.bySite.get(s) ?? [];
        list.push(r);
        this.bySite.set(s, list);
      }
    }
    for (const list of this.bySite.values()) list.sort((a, b) => a.fromMs - b.fromMs);
  }

  /** Sites with intervals given directly: their spans wait for the end (the intervals come last). */
  intervalsFor(sites: Iterable<string>): void {
    for (const s of sites) this.sitesWithIntervals.add(s);
  }

  private note(kind: string, rank: Rank, example: () => string): void {
    const n = this.notes.get(kind);
    if (!n) this.notes.set(kind, { note: { kind, count: 1, example: example() }, rank });
    else {
      n.note.count++;
      if (before(rank, n.rank)) {
        n.rank = rank;
        n.note.example = example();
      }
    }
  }

  private siteOf(site: string): number {
    let s = this.siteNumber.get(site);
    if (s === undefined) {
      s = this.siteNumber.size;
      this.siteNumber.set(site, s);
      this.closedBefore = grown(this.closedBefore, s + 1);
      this.spanHead = grown(this.spanHead, s + 1);
      this.closedBefore[s] = Number.NEGATIVE_INFINITY;
      this.spanHead[s] = -1;
    }
    return s;
  }

  private span(x: NodeSpan, rollout: Rollout): void {
    const s = this.siteOf(x.site);
    if (rollout.untilMs < (this.closedBefore[s] as number))
      throw new Rewind(
        `${x.site}/${x.node}: a node seen after its site's rollout ${rollout.name} was closed`,
      );
    const r = this.rolloutNumber.get(rollout) as number;
    const t = this.spanTimes;
    for (let k = this.spanHead[s] as number; k >= 0; k = this.spanNext[k] as number) {
      if (this.spanRollout[k] !== r || this.spanNode[k] !== x.node) continue;
      if (x.startHi < (t[4 * k + 1] as number)) {
        t[4 * k] = x.startLo;
        t[4 * k + 1] = x.startHi;
      }
      if (x.endHi > (t[4 * k + 3] as number)) {
        t[4 * k + 2] = x.endLo;
        t[4 * k + 3] = x.endHi;
      }
      return;
    }
    let k = this.spanFree;
    if (k >= 0) this.spanFree = this.spanNext[k] as number;
    else {
      k = this.spanTotal++;
      this.spanTimes = grown(this.spanTimes, 4 * (k + 1));
      this.spanRollout = grown(this.spanRollout, k + 1);
      this.spanNext = grown(this.spanNext, k + 1);
    }
    this.spanTimes[4 * k] = x.startLo;
    this.spanTimes[4 * k + 1] = x.startHi;
    this.spanTimes[4 * k + 2] = x.endLo;
    this.spanTimes[4 * k + 3] = x.endHi;
    this.spanRollout[k] = r;
    this.spanNode[k] = x.node;
    // Appended, so each rollout's spans come out in the order first seen.
    this.spanNext[k] = -1;
    let tail = this.spanHead[s] as number;
    if (tail < 0) this.spanHead[s] = k;
    else {
      while ((this.spanNext[tail] as number) >= 0) tail = this.spanNext[tail] as number;
      this.spanNext[tail] = k;
    }
  }

  /**
   * The site's spans of the rollouts that `closes` (all when undefined), taken out of the table: the pace
   * between its nodes, rollout by rollout in the order first seen.
   */
  private close(site: string, s: number, closes?: (rollout: Rollout) => boolean): void {
    const lists = new Map<number, NodeSpan[]>();
    let kept = -1;
    for (let k = this.spanHead[s] as number; k >= 0; ) {
      const next = this.spanNext[k] as number;
      const r = this.spanRollout[k] as number;
      const rollout = this.rolloutList[r] as Rollout;
      if (!closes || closes(rollout)) {
        let list = lists.get(r);
        if (!list) {
          list = [];
          lists.set(r, list);
        }
        const t = this.spanTimes;
        list.push({
          node: this.spanNode[k] as string,
          behavior: rollout.behavior,
          rollout: rollout.index,
          site,
          startLo: t[4 * k] as number,
          startHi: t[4 * k + 1] as number,
          endLo: t[4 * k + 2] as number,
          endHi: t[4 * k + 3] as number,
        });
        this.spanNext[k] = this.spanFree;
        this.spanFree = k;
      } else {
        if (kept < 0) this.spanHead[s] = k;
        else this.spanNext[kept] = k;
        this.spanNext[k] = -1;
        kept = k;
      }
      k = next;
    }
    if (kept < 0) this.spanHead[s] = -1;
    for (const list of lists.values()) paceBetweenNodes(list, this.sink);
  }

  private actual(rollout: Rollout, site: string, start: number, end: number): void {
    if (!this.options.actuals) return;
    const key = `${rollout.index}\u0000${site}`;
    const actual = this.actuals.get(key);
    if (!actual) this.actuals.set(key, { rollout: rollout.index, site, startMs: start, endMs: end });
    else {
      actual.startMs = Math.min(actual.startMs, start);
      actual.endMs = Math.max(actual.endMs, end);
    }
  }

  /** A stretch of one node's changes. */
  node(node: NodeSignals): void {
    extractNode(
      node,
      this.bySite.get(node.site) ?? [],
      this.options,
      this.sink,
      (kind, rank, example) => this.note(kind, rank, example),
      this.describe,
      (rollout, start, end) => this.actual(rollout, node.site, start, end),
      (x, rollout) => this.span(x, rollout),
    );
  }

  /** Every node of `site` is handed over up to `beforeMs`: its rollouts that ended before are closed. */
  site(site: string, beforeMs: number): void {
    if (this.sitesWithIntervals.has(site)) return;
    const s = this.siteOf(site);
    const closed = Math.max(this.closedBefore[s] as number, beforeMs);
    this.closedBefore[s] = closed;
    if ((this.spanHead[s] as number) >= 0) this.close(site, s, (rollout) => rollout.untilMs < closed);
  }

  /** One interval of the intervals file (`index`: its place among them). */
  given(g: GivenInterval, index: number): void {
    const r = (this.bySite.get(g.site) ?? []).find((x) => g.startMs >= x.fromMs && g.startMs <= x.untilMs);
    if (!r) {
      this.note(
        "intervals in no rollout's window",
        [1, "", 0, index],
        () => `${g.site}/${g.node} ${g.step} at ${stamp(g.startMs)}`,
      );
      return;
    }
    this.sink.observation({
      step: g.step,
      behavior: r.behavior,
      site: g.site,
      node: g.node,
      rollout: r.index,
      atMs: g.startMs,
      loMs: g.loMs,
      hiMs: g.hiMs,
      triangular: false,
    });
    // The site's span as seen: from its first interval's start to its last interval's end.
    this.span(
      {
        node: g.node,
        behavior: r.behavior,
        rollout: r.index,
        site: g.site,
        startLo: g.startMs,
        startHi: g.startMs,
        endLo: g.startMs + g.loMs,
        endHi: g.startMs + g.hiMs,
      },
      r,
    );
    this.actual(r, g.site, g.startMs, g.startMs + (g.loMs + g.hiMs) / 2);
    if (g.step === ACTION_STEP[r.behavior])
      this.sink.attempts({
        behavior: r.behavior,
        site: g.site,
        rollout: r.index,
        atMs: g.startMs,
        attempts: 1,
        failures: g.failed ? 1 : 0,
      });
  }

  /** The end of the history: every rollout closed; the notes (in the history's order) and the actuals. */
  finish(): { notes: Note[]; actuals: SiteActual[] } {
    for (const [site, s] of this.siteNumber) if ((this.spanHead[s] as number) >= 0) this.close(site, s);
    const notes = [...this.notes.values()].sort((a, b) =>
      before(a.rank, b.rank) ? -1 : before(b.rank, a.rank) ? 1 : 0,
    );
    return {
      notes: notes.map((n) => n.note),
      actuals: [...this.actuals.values()].sort(
        (a, b) => a.rollout - b.rollout || a.site.localeCompare(b.site),
      ),
    };
  }
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(":00.000Z", "Z");

const mid = (t: Transition) => (Number.isFinite(t.loMs) ? (t.loMs + t.hiMs) / 2 : t.hiMs);

function extractNode(
  node: NodeSignals,
  rollouts: readonly Rollout[],
  options: ExtractOptions,
  out: ObservationSink,
  note: (kind: string, rank: Rank, example: () => string) => void,
  describe: (source: number) => string,
  actual: (rollout: Rollout, start: number, end: number) => void,
  span: (x: NodeSpan, rollout: Rollout) => void,
): void {
  const where = `${node.site}/${node.node}`;
  const key = `${node.site}\u0000${node.node}`;
  const inRollout = (ms: number) => rollouts.find((r) => ms >= r.fromMs && ms <= r.untilMs);
  const used = new Set<Transition>();
  const cordons = node.cordoned;
  for (let i = 0; i < cordons.length; i++) {
    const c = cordons[i] as Transition;
    if (c.to !== 1 || !Number.isFinite(c.loMs)) continue;
    const uncordon = cordons.slice(i + 1).find((t) => t.to === 0);
    const rollout = inRollout(mid(c));
    if (!rollout) {
      note(
        "cordons in no rollout's window (maintenance?)",
        [0, key, 0, c.hiMs],
        () => `${where} at ${stamp(c.hiMs)}: ${describe(c.source)}`,
      );
      continue;
    }
    const endMs = Math.min(uncordon ? uncordon.hiMs : Number.POSITIVE_INFINITY, rollout.untilMs);
    const spell = node.ready.filter((t) => t.hiMs > c.loMs && t.loMs < endMs && Number.isFinite(t.loMs));
    for (const t of spell) used.add(t);
    // Cycles: each NotReady with the first Ready after it.
    const cycles: { down: Transition; up?: Transition }[] = [];
    for (const t of spell) {
      if (t.to === 0) cycles.push({ down: t });
      else if (t.to === 1) {
        const open = cycles[cycles.length - 1];
        if (open && !open.up) open.up = t;
      }
    }
    let lastReadyMs: number | undefined;
    let lastReady: [number, number] | undefined;
    const action = ACTION_STEP[rollout.behavior];
    const disrupts = rollout.behavior === "repave" || rollout.behavior === "reboot";
    if (!disrupts) {
      note(
        `cordon spells of ${rollout.behavior} rollouts (no NotReady: the metrics cannot time their steps; use the intervals file)`,
        [0, key, 0, c.hiMs],
        () => `${where} in ${rollout.name}`,
      );
    } else if (cycles.length === 0) {
      const gap = spell.find((t) => t.to === -1);
      if (gap) {
        note(
          "cycles seen only as a gap in scraping (a single control plane's reboot takes the API server down)",
          [0, key, 0, c.hiMs],
          () => `${where} in ${rollout.name} at ${stamp(gap.loMs)}`,
        );
        push(out, rollout, node, "drain", c.hiMs, gap.loMs - c.hiMs, gap.hiMs - c.loMs, false);
        push(out, rollout, node, action, gap.loMs, 0, gap.hiMs - gap.loMs, false);
        out.attempts({
          behavior: rollout.behavior,
          site: node.site,
          rollout: rollout.index,
          atMs: c.hiMs,
          attempts: 1,
          failures: 0,
        });
        lastReadyMs = gap.hiMs;
        lastReady = [gap.loMs, gap.hiMs];
      } else {
        note(
          `cordon spells of reboot/repave rollouts with no NotReady and no gap (not counted)`,
          [0, key, 0, c.hiMs],
          () => `${where} in ${rollout.name} at ${stamp(c.hiMs)}`,
        );
      }
    } else {
      const delay = options.notReadyDelayMs;
      const first = cycles[0] as { down: Transition };
      const last = cycles[cycles.length - 1] as { down: Transition; up?: Transition };
      const spellTooLong = cycles.find((k) => (k.up ? k.up.hiMs : endMs) - k.down.loMs > options.maxSpellMs);
      if (spellTooLong) {
        const length = (spellTooLong.up ? spellTooLong.up.hiMs : endMs) - spellTooLong.down.loMs;
        note(
          `NotReady spells longer than ${Math.round(options.maxSpellMs / 3_600_000)}h (a dead node, not an update step; left out)`,
          [0, key, 0, c.hiMs],
          () =>
            `${where}: NotReady for ${Math.round(length / 3_600_000)}h from ${stamp(spellTooLong.down.hiMs)}: ${describe(spellTooLong.down.source)}`,
        );
        continue;
      }
      push(
        out,
        rollout,
        node,
        "drain",
        c.hiMs,
        first.down.loMs - c.hiMs - delay,
        first.down.hiMs - c.loMs - delay,
        sameWidth(c, first.down),
      );
      if (last.up)
        push(
          out,
          rollout,
          node,
          action,
          last.down.hiMs,
          last.up.loMs - last.down.hiMs + delay,
          last.up.hiMs - last.down.loMs + delay,
          sameWidth(last.down, last.up),
        );
      out.attempts({
        behavior: rollout.behavior,
        site: node.site,
        rollout: rollout.index,
        atMs: c.hiMs,
        attempts: cycles.length,
        failures: cycles.length - (last.up ? 1 : 0),
      });
      if (last.up) {
        lastReadyMs = mid(last.up);
        lastReady = [last.up.loMs, last.up.hiMs];
      }
    }
    if (lastReady)
      span(
        {
          node: node.node,
          behavior: rollout.behavior,
          rollout: rollout.index,
          site: node.site,
          startLo: c.loMs,
          startHi: c.hiMs,
          endLo: lastReady[0],
          endHi: lastReady[1],
        },
        rollout,
      );
    const start = mid(c);
    const end = Math.max(
      lastReadyMs ?? start,
      uncordon && uncordon.hiMs <= rollout.untilMs ? mid(uncordon) : start,
    );
    actual(rollout, start, end);
  }
  for (const t of node.ready) {
    if (t.to !== 0 || used.has(t) || !Number.isFinite(t.loMs)) continue;
    note(
      inRollout(mid(t))
        ? "NotReady spells without a cordon during a rollout (flaps?)"
        : "NotReady spells in no rollout's window (flaps?)",
      [0, key, 1, t.hiMs],
      () => `${where} at ${stamp(t.hiMs)}: ${describe(t.source)}`,
    );
  }
}

function push(
  out: ObservationSink,
  rollout: Rollout,
  node: NodeSignals,
  step: TimedStep,
  atMs: number,
  loMs: number,
  hiMs: number,
  triangular: boolean,
): void {
  out.observation({
    step,
    behavior: rollout.behavior,
    site: node.site,
    node: node.node,
    rollout: rollout.index,
    atMs,
    // A plain interval cannot start below 0; a triangular one keeps its centre.
    loMs: triangular ? loMs : Math.max(0, loMs),
    hiMs: Math.max(loMs, hiMs, 1),
    triangular,
  });
}

/**
 * The pace between nodes: from a node being Ready again to the next node's cordon, at the same site in
 * the same rollout (nodes one after another; overlapping nodes are rolled in parallel and give none).
 * Fitted as the `cordon` step: the wait before a node is cordoned, which the simulation spends first.
 */
function paceBetweenNodes(list: NodeSpan[], out: ObservationSink): void {
  // In time order; nodes cordoned at the same instant in name order.
  list.sort((a, b) => a.startHi - b.startHi || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1] as NodeSpan;
    const next = list[i] as NodeSpan;
    const lo = next.startLo - prev.endHi;
    const hi = next.startHi - prev.endLo;
    if (hi < 0) continue;
    out.observation({
      step: "cordon",
      behavior: next.behavior,
      site: next.site,
      node: next.node,
      rollout: next.rollout,
      atMs: next.startHi,
      loMs: Math.max(0, lo),
      hiMs: Math.max(lo, hi, 1),
      triangular: false,
    });
  }
}

const sameWidth = (a: Transition, b: Transition) => Math.abs(a.hiMs - a.loMs - (b.hiMs - b.loMs)) < 1;
