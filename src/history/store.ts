import type { TimedStep } from "../shared/timing-distribution.js";

/**
 * What the history files say, reduced to what the fit needs: per node and signal, when the signal
 * changed (each change known only to an interval: between the last sample before it and the first after
 * it), and where sampling stopped (a gap). Samples themselves are never kept: a series of 11,000 points
 * becomes a handful of runs.
 *
 * The store also hands a node's changes over in pieces as the history is read (`cut`), so that memory
 * holds each node's open spell, not its whole past: once the reader has moved past everything seen of a
 * node, and the node is uncordoned there, nothing read later can change what came before (its later
 * changes all begin after that instant), and that stretch is handed over and dropped. The reader reads
 * the files in time order (by their first sample) to make this the common case; data that turns out to
 * go back before a stretch already handed over (files that overlap in time, a finer scrape appearing
 * later) makes `cut`'s caller read everything again in one piece (`Rewind`), so the result never depends
 * on the order of the files.
 */
export type Signal = "cordoned" | "ready";

/** A change of a signal to `to` at an instant in (loMs, hiMs]; `to: -1` is a gap (no samples in between). */
export interface Transition {
  to: 0 | 1 | -1;
  loMs: number;
  hiMs: number;
  /** A source id (`HistoryStore.describe`): the file and the place (series labels, line) it comes from. */
  source: number;
}

/** A step interval given directly (the intervals file): its length is in [loMs, hiMs]. */
export interface GivenInterval {
  site: string;
  node: string;
  step: TimedStep;
  startMs: number;
  loMs: number;
  hiMs: number;
  failed: boolean;
  source: number;
}

export interface Source {
  file: string;
  /** Line:col, JSON path and series labels, or CSV row: enough to find it. */
  where: string;
  line?: number;
  col?: number;
}

interface SignalRuns {
  /** Flat runs not handed over yet: value, first sample ms, last sample ms, source. */
  runs: number[];
  /** The smallest sampling step seen (ms): a longer silence than a few steps is a gap. */
  stepMs: number;
  /** The sampling step the stretches handed over were read with. */
  cutStepMs: number;
  /** Changes given as such (events): to, lo, hi, source. */
  changes: number[];
  /** The value after the runs handed over (-1: none yet), and the last sample among them. */
  value: number;
  last: number;
  /** The last sample seen (handed over or not). */
  frontier: number;
}

interface NodeEntry {
  key: string;
  site: string;
  node: string;
  signals: Record<Signal, SignalRuns>;
  /** Everything up to this instant has been handed over. */
  cutMs: number;
}

export interface NodeSignals {
  site: string;
  node: string;
  cordoned: Transition[];
  ready: Transition[];
}

/** A silence longer than this many sampling steps is a gap: the state in between is unknown. */
export const GAP_STEPS = 2.5;

/** Data that goes back before a stretch already handed over: the history must be read in one piece. */
export class Rewind extends Error {
  constructor(readonly why: string) {
    super(`history read again in one piece: ${why}`);
  }
}

interface SourceEntry {
  /** A place given whole (events, intervals, series read the ordinary way)… */
  source?: Source;
  /** …or a Prometheus series: its file, index in `data.result`, labels as JSON, and where it starts. */
  file?: string;
  index?: number;
  metric?: string;
  line?: number;
  col?: number;
  /** Runs not handed over that name it; a series' source is dropped when its last run is handed over. */
  refs: number;
}

/** A series' labels as Prometheus writes them: `name{k="v",…}`. */
export function labelsText(metric: Record<string, unknown>): string {
  const entries = Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}="${String(v)}"`);
  return `${String(metric.__name__ ?? "")}{${entries.join(",")}}`;
}

export class HistoryStore {
  readonly given: GivenInterval[] = [];
  private readonly sources = new Map<number, SourceEntry>();
  private nextSource = 0;
  /** Site → node → its entry. */
  private readonly nodes = new Map<string, Map<string, NodeEntry>>();
  private nodeTotal = 0;
  /** Nodes holding runs not handed over. */
  private readonly open = new Set<NodeEntry>();
  /** Counts of things read but not used, by kind (shown in the report). */
  readonly skipped = new Map<string, number>();

  /** A place in the history files; `series` sources are dropped once their runs are handed over. */
  source(source: Source, series = false): number {
    const id = this.nextSource++;
    this.sources.set(id, { source, refs: series ? 0 : Number.POSITIVE_INFINITY });
    return id;
  }

  /** A Prometheus series as a place (its labels made into text only if a message needs them). */
  seriesSource(file: string, index: number, metric: string, line: number, col: number): number {
    const id = this.nextSource++;
    this.sources.set(id, { file, index, metric, line, col, refs: 0 });
    return id;
  }

  /** `file:line:col where` of a source, for messages. */
  describe(id: number): string {
    const entry = this.sources.get(id);
    if (entry?.metric !== undefined) {
      const labels = labelsText(JSON.parse(entry.metric) as Record<string, unknown>);
      return `${entry.file}:${entry.line}:${entry.col} data.result[${entry.index}] ${labels}`;
    }
    const s = entry?.source;
    if (!s) return "";
    return `${s.file}${s.line !== undefined ? `:${s.line}:${s.col ?? 1}` : ""} ${s.where}`;
  }

  skip(kind: string, count = 1): void {
    this.skipped.set(kind, (this.skipped.get(kind) ?? 0) + count);
  }

  private entry(site: string, node: string): NodeEntry {
    let bySite = this.nodes.get(site);
    if (!bySite) {
      bySite = new Map();
      this.nodes.set(site, bySite);
    }
    let entry = bySite.get(node);
    if (!entry) {
      const fresh = (): SignalRuns => ({
        runs: [],
        stepMs: Number.POSITIVE_INFINITY,
        cutStepMs: Number.POSITIVE_INFINITY,
        changes: [],
        value: -1,
        last: Number.NEGATIVE_INFINITY,
        frontier: Number.NEGATIVE_INFINITY,
      });
      entry = {
        key: `${site}\u0000${node}`,
        site,
        node,
        signals: { cordoned: fresh(), ready: fresh() },
        cutMs: Number.NEGATIVE_INFINITY,
      };
      bySite.set(node, entry);
      this.nodeTotal++;
    }
    return entry;
  }

  /**
   * One series' samples as runs of equal values (flat: value, first ms, last ms; `count` numbers of
   * `runs`), in rising time (the reader checked).
   */
  addRuns(
    site: string,
    node: string,
    signal: Signal,
    runs: ArrayLike<number>,
    count: number,
    stepMs: number,
    source: number,
  ): void {
    if (count === 0) return;
    const entry = this.entry(site, node);
    const s = entry.signals[signal];
    if ((runs[1] as number) < entry.cutMs)
      throw new Rewind(`${site}/${node}: samples before a stretch already read`);
    if (s.cutStepMs !== Number.POSITIVE_INFINITY && stepMs < s.cutStepMs)
      throw new Rewind(`${site}/${node}: a finer scrape after a stretch already read`);
    for (let i = 0; i < count; i += 3)
      s.runs.push(runs[i] as number, runs[i + 1] as number, runs[i + 2] as number, source);
    const last = runs[count - 1] as number;
    if (last > s.frontier) s.frontier = last;
    if (stepMs < s.stepMs) s.stepMs = stepMs;
    const held = this.sources.get(source);
    if (held) held.refs += count / 3;
    this.open.add(entry);
  }

  /** A change known from an event: `to` at an instant in (loMs, hiMs]. Such a node is handed over at the end. */
  addChange(
    site: string,
    node: string,
    signal: Signal,
    to: 0 | 1,
    loMs: number,
    hiMs: number,
    source: number,
  ): void {
    const entry = this.entry(site, node);
    entry.signals[signal].changes.push(to, loMs, hiMs, source);
    this.open.add(entry);
  }

  /**
   * Hands over, node by node, the stretches nothing read from `watermarkMs` on can change: of each node
   * whose samples all lie before it, up to its last sample, when the node is uncordoned there. `site` is
   * told, per site handed over, the earliest instant its nodes are handed over to.
   */
  cut(
    watermarkMs: number,
    take: (node: NodeSignals) => void,
    site?: (site: string, beforeMs: number) => void,
  ): void {
    const sites = new Set<string>();
    for (const entry of this.open) {
      const c = entry.signals.cordoned;
      const r = entry.signals.ready;
      if (c.changes.length > 0 || r.changes.length > 0) continue;
      if (!(Math.max(c.frontier, r.frontier) < watermarkMs)) continue;
      const at = Math.min(c.frontier, r.frontier);
      if (!(at > entry.cutMs)) continue;
      const cordoned = transitionsOf(c, at, true);
      const ready = transitionsOf(r, at, true);
      if (c.value !== 0 || c.last < at || r.last < at) {
        rollback(c, cordoned);
        rollback(r, ready);
        continue;
      }
      entry.cutMs = at;
      this.handOver(entry, cordoned, ready, take);
      if (c.runs.length === 0 && r.runs.length === 0) this.open.delete(entry);
      sites.add(entry.site);
    }
    if (site) for (const name of sites) site(name, this.siteCutMs(name));
  }

  /** The earliest instant a site's nodes are handed over to. */
  private siteCutMs(site: string): number {
    let min = Number.POSITIVE_INFINITY;
    for (const entry of this.nodes.get(site)?.values() ?? []) if (entry.cutMs < min) min = entry.cutMs;
    return min;
  }

  /** Everything not handed over yet, node by node in name order: the end of the history. */
  finish(take: (node: NodeSignals) => void): void {
    const entries = [...this.open].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.open.clear();
    for (const entry of entries) {
      const c = transitionsOf(entry.signals.cordoned, Number.POSITIVE_INFINITY, false);
      const r = transitionsOf(entry.signals.ready, Number.POSITIVE_INFINITY, false);
      entry.cutMs = Number.POSITIVE_INFINITY;
      this.handOver(entry, c, r, take);
    }
  }

  /** A stretch to `take`; then the sources of series whose every run is handed over are dropped. */
  private handOver(entry: NodeEntry, cordoned: Taken, ready: Taken, take: (node: NodeSignals) => void): void {
    for (const id of cordoned.sources) this.handed(id);
    for (const id of ready.sources) this.handed(id);
    take({ site: entry.site, node: entry.node, cordoned: cordoned.out, ready: ready.out });
    for (const id of cordoned.sources) this.release(id);
    for (const id of ready.sources) this.release(id);
  }

  private handed(id: number): void {
    const held = this.sources.get(id);
    if (held) held.refs--;
  }

  private release(id: number): void {
    const held = this.sources.get(id);
    if (held && held.refs <= 0) this.sources.delete(id);
  }

  /** Every node's changes, in time order: the whole history at once (for tests and small histories). */
  *nodeSignals(): Generator<NodeSignals> {
    const all: NodeSignals[] = [];
    this.finish((n) => all.push(n));
    yield* all;
  }

  get nodeCount(): number {
    return this.nodeTotal;
  }
}

interface Taken {
  out: Transition[];
  /** The signal's state and runs before, to put back when the stretch is not handed over after all. */
  before: { value: number; last: number; runs: number[]; cutStepMs: number };
  sources: number[];
}

/**
 * The changes of the runs that begin by `atMs` (all of them, and the events, at the end), in time order:
 * runs become changes between them, silences become gaps. The signal's state moves on past them.
 */
function transitionsOf(s: SignalRuns, atMs: number, partial: boolean): Taken {
  const out: Transition[] = [];
  const count = s.runs.length / 4;
  const order: number[] = [];
  let sorted = true;
  for (let i = 0; i < count; i++) {
    if ((s.runs[i * 4 + 1] as number) <= atMs) order.push(i);
    if (i > 0 && (s.runs[i * 4 + 1] as number) < (s.runs[i * 4 - 3] as number)) sorted = false;
  }
  if (!sorted) order.sort((a, b) => (s.runs[a * 4 + 1] as number) - (s.runs[b * 4 + 1] as number));
  const before = { value: s.value, last: s.last, runs: s.runs, cutStepMs: s.cutStepMs };
  const gapMs = Number.isFinite(s.stepMs) ? s.stepMs * GAP_STEPS : Number.POSITIVE_INFINITY;
  let value = s.value;
  let last = s.last;
  const sources: number[] = [];
  for (const i of order) {
    const v = s.runs[i * 4] as number;
    const first = s.runs[i * 4 + 1] as number;
    const end = s.runs[i * 4 + 2] as number;
    const source = s.runs[i * 4 + 3] as number;
    sources.push(source);
    if (value >= 0 && first - last > gapMs) out.push({ to: -1, loMs: last, hiMs: first, source });
    // Two files may overlap: a run starting before the last one ended only extends it.
    if (value >= 0 && v !== value)
      out.push({ to: v as 0 | 1, loMs: Math.min(last, first), hiMs: first, source });
    if (value < 0) out.push({ to: v as 0 | 1, loMs: Number.NEGATIVE_INFINITY, hiMs: first, source });
    value = v;
    last = Math.max(last, end);
  }
  s.value = value;
  s.last = last;
  s.cutStepMs = Math.min(s.cutStepMs, s.stepMs);
  if (order.length === count) s.runs = [];
  else {
    const keep: number[] = [];
    for (let i = 0; i < count; i++)
      if ((s.runs[i * 4 + 1] as number) > atMs)
        keep.push(
          s.runs[i * 4] as number,
          s.runs[i * 4 + 1] as number,
          s.runs[i * 4 + 2] as number,
          s.runs[i * 4 + 3] as number,
        );
    s.runs = keep;
  }
  if (!partial) {
    for (let i = 0; i < s.changes.length; i += 4)
      out.push({
        to: s.changes[i] as 0 | 1,
        loMs: s.changes[i + 1] as number,
        hiMs: s.changes[i + 2] as number,
        source: s.changes[i + 3] as number,
      });
    s.changes = [];
  }
  out.sort((a, b) => a.hiMs - b.hiMs || a.loMs - b.loMs);
  return { out, before, sources };
}

function rollback(s: SignalRuns, taken: Taken): void {
  s.value = taken.before.value;
  s.last = taken.before.last;
  s.runs = taken.before.runs;
  s.cutStepMs = taken.before.cutStepMs;
}
