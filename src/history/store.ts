import type { TimedStep } from "../shared/timing-distribution.js";

/**
 * What the history files say, reduced to what the fit needs: per node and signal, when the signal
 * changed (each change known only to an interval: between the last sample before it and the first after
 * it), and where sampling stopped (a gap). Samples themselves are never kept: a series of 11,000 points
 * becomes a handful of runs, so memory grows with the number of changes, not with the file sizes.
 */
export type Signal = "cordoned" | "ready";

/** A change of a signal to `to` at an instant in (loMs, hiMs]; `to: -1` is a gap (no samples in between). */
export interface Transition {
  to: 0 | 1 | -1;
  loMs: number;
  hiMs: number;
  /** Index into `HistoryStore.sources`: the file and the place (series labels, line) it comes from. */
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
  /** Flat runs: value, first sample ms, last sample ms, source; appended per series, sorted at the end. */
  runs: number[];
  /** The smallest sampling step seen (ms): a longer silence than a few steps is a gap. */
  stepMs: number;
  /** Changes given as such (events): to, lo, hi, source. */
  changes: number[];
}

export interface NodeSignals {
  site: string;
  node: string;
  cordoned: Transition[];
  ready: Transition[];
}

/** A silence longer than this many sampling steps is a gap: the state in between is unknown. */
export const GAP_STEPS = 2.5;

export class HistoryStore {
  readonly sources: Source[] = [];
  readonly given: GivenInterval[] = [];
  private readonly nodes = new Map<
    string,
    { site: string; node: string; signals: Record<Signal, SignalRuns> }
  >();
  /** Counts of things read but not used, by kind (shown in the report). */
  readonly skipped = new Map<string, number>();

  source(source: Source): number {
    this.sources.push(source);
    return this.sources.length - 1;
  }

  skip(kind: string, count = 1): void {
    this.skipped.set(kind, (this.skipped.get(kind) ?? 0) + count);
  }

  private signals(site: string, node: string, signal: Signal): SignalRuns {
    const key = `${site}\u0000${node}`;
    let entry = this.nodes.get(key);
    if (!entry) {
      const fresh = (): SignalRuns => ({ runs: [], stepMs: Number.POSITIVE_INFINITY, changes: [] });
      entry = { site, node, signals: { cordoned: fresh(), ready: fresh() } };
      this.nodes.set(key, entry);
    }
    return entry.signals[signal];
  }

  /** One series' samples as runs of equal values (the series' times rise; the reader checked). */
  addRuns(
    site: string,
    node: string,
    signal: Signal,
    runs: readonly number[],
    stepMs: number,
    source: number,
  ): void {
    const s = this.signals(site, node, signal);
    for (let i = 0; i < runs.length; i += 3)
      s.runs.push(runs[i] as number, runs[i + 1] as number, runs[i + 2] as number, source);
    if (stepMs < s.stepMs) s.stepMs = stepMs;
  }

  /** A change known from an event: `to` at an instant in (loMs, hiMs]. */
  addChange(
    site: string,
    node: string,
    signal: Signal,
    to: 0 | 1,
    loMs: number,
    hiMs: number,
    source: number,
  ): void {
    this.signals(site, node, signal).changes.push(to, loMs, hiMs, source);
  }

  /** Every node's changes, in time order: runs become changes between them, silences become gaps. */
  *nodeSignals(): Generator<NodeSignals> {
    const keys = [...this.nodes.keys()].sort();
    for (const key of keys) {
      const entry = this.nodes.get(key);
      if (!entry) continue;
      yield {
        site: entry.site,
        node: entry.node,
        cordoned: transitionsOf(entry.signals.cordoned),
        ready: transitionsOf(entry.signals.ready),
      };
    }
  }

  get nodeCount(): number {
    return this.nodes.size;
  }
}

function transitionsOf(s: SignalRuns): Transition[] {
  const out: Transition[] = [];
  const count = s.runs.length / 4;
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (a, b) => (s.runs[a * 4 + 1] as number) - (s.runs[b * 4 + 1] as number),
  );
  const gapMs = Number.isFinite(s.stepMs) ? s.stepMs * GAP_STEPS : Number.POSITIVE_INFINITY;
  let value = -1;
  let last = Number.NEGATIVE_INFINITY;
  for (const i of order) {
    const v = s.runs[i * 4] as number;
    const first = s.runs[i * 4 + 1] as number;
    const end = s.runs[i * 4 + 2] as number;
    const source = s.runs[i * 4 + 3] as number;
    if (value >= 0 && first - last > gapMs) out.push({ to: -1, loMs: last, hiMs: first, source });
    // Two files may overlap: a run starting before the last one ended only extends it.
    if (value >= 0 && v !== value)
      out.push({ to: v as 0 | 1, loMs: Math.min(last, first), hiMs: first, source });
    if (value < 0) out.push({ to: v as 0 | 1, loMs: Number.NEGATIVE_INFINITY, hiMs: first, source });
    value = v;
    last = Math.max(last, end);
  }
  for (let i = 0; i < s.changes.length; i += 4)
    out.push({
      to: s.changes[i] as 0 | 1,
      loMs: s.changes[i + 1] as number,
      hiMs: s.changes[i + 2] as number,
      source: s.changes[i + 3] as number,
    });
  out.sort((a, b) => a.hiMs - b.hiMs || a.loMs - b.loMs);
  return out;
}
