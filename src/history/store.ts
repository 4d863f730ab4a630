import { closeSync, openSync, readSync } from "node:fs";
import { grown } from "../shared/columns.js";
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

/** A series' labels as Prometheus writes them: `name{k="v",…}`. */
export function labelsText(metric: Record<string, unknown>): string {
  const entries = Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}="${String(v)}"`);
  return `${String(metric.__name__ ?? "")}{${entries.join(",")}}`;
}

/** A source slot that is free (`srcFile`); -1 is a place given whole (`whole`). */
const FREE = -2;
const WHOLE = -1;
/** The index of the signal's slot beside its node's other: node × 2 + this. */
const SIGNAL_SLOT: Record<Signal, number> = { cordoned: 0, ready: 1 };

/** The bytes [offset, offset + length) of a file, or undefined when it cannot be read now. */
function readBytes(file: string, offset: number, length: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const bytes = Buffer.alloc(length);
    return readSync(fd, bytes, 0, length, offset) === length ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The store keeps what it holds between stretches in flat columns, not an object per node: a node is a
 * number (in the order first seen); per node its site's number and the instant handed over to, per node
 * and signal (slot `node × 2 + signal`) the sampling steps, the value and last sample after the runs
 * handed over, the last sample seen, and its runs not handed over yet as a linked list in one shared
 * table whose records are reused once handed over. So what stays for the whole read is a few numbers per
 * node, its name and an entry in its site's map; the runs held are those of the nodes' open spells.
 */
export class HistoryStore {
  readonly given: GivenInterval[] = [];
  /** Counts of things read but not used, by kind (shown in the report). */
  readonly skipped = new Map<string, number>();

  private readonly siteNames: string[] = [];
  private readonly siteIndex = new Map<string, number>();
  /** Per site: node name → node number. */
  private readonly siteNodes: Map<string, number>[] = [];
  private readonly nodeNames: string[] = [];
  private nodeSite = new Int32Array(1024);
  /** Per node: everything up to this instant has been handed over. */
  private cutMs = new Float64Array(1024);
  private nodeTotal = 0;
  /**
   * Nodes holding runs or changes not handed over, in the order they became so (`openList`, its first
   * `openCount`), and per node whether it is among them: columns, not a set, whose table V8 would
   * allocate anew (in its large-object space) each time it grows or shrinks.
   */
  private openList = new Int32Array(1024);
  private openCount = 0;
  private isOpen = new Int32Array(1024);
  /** Per site: the cut that last handed over one of its nodes (1, 2, …), and those sites of this cut. */
  private siteCut = new Int32Array(1024);
  private cutSites = new Int32Array(1024);
  private cuts = 0;

  // Per slot (node × 2 + signal).
  /** The smallest sampling step seen (ms): a longer silence than a few steps is a gap. */
  private stepMs = new Float64Array(2048);
  /** The sampling step the stretches handed over were read with. */
  private cutStepMs = new Float64Array(2048);
  /** The value after the runs handed over (-1: none yet), and the last sample among them. */
  private value = new Float64Array(2048);
  private last = new Float64Array(2048);
  /** The last sample seen (handed over or not). */
  private frontier = new Float64Array(2048);
  /** The runs not handed over: first and last record in `runs` (-1: none). */
  private head = new Int32Array(2048);
  private tail = new Int32Array(2048);
  /** Changes given as such (events): to, lo, hi, source; only slots that have any. */
  private readonly changes = new Map<number, number[]>();

  /** Runs not handed over, four numbers a record (value, first sample ms, last sample ms, source). */
  private runs = new Float64Array(4 * 4096);
  /** The next record of the same slot, or of the free list (-1: none). */
  private runNext = new Int32Array(4096);
  private runFree = -1;
  private runTotal = 0;

  // Per source id: a place given whole, or a Prometheus series by where its labels are in its file.
  private readonly files: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private srcFile = new Int32Array(1024);
  private srcOffset = new Float64Array(1024);
  private srcLength = new Int32Array(1024);
  private srcIndex = new Int32Array(1024);
  private srcLine = new Int32Array(1024);
  private srcCol = new Int32Array(1024);
  /** Runs not handed over that name it; a series' source is freed when its last run is handed over. */
  private srcRefs = new Float64Array(1024);
  private readonly whole = new Map<number, Source>();
  /** Freed source ids, a stack (its first `srcFreeCount`). */
  private srcFree = new Int32Array(1024);
  private srcFreeCount = 0;
  private srcTotal = 0;

  private allocSource(file: number, refs: number): number {
    let id: number;
    if (this.srcFreeCount > 0) id = this.srcFree[--this.srcFreeCount] as number;
    else {
      id = this.srcTotal++;
      const need = this.srcTotal;
      this.srcFile = grown(this.srcFile, need);
      this.srcOffset = grown(this.srcOffset, need);
      this.srcLength = grown(this.srcLength, need);
      this.srcIndex = grown(this.srcIndex, need);
      this.srcLine = grown(this.srcLine, need);
      this.srcCol = grown(this.srcCol, need);
      this.srcRefs = grown(this.srcRefs, need);
    }
    this.srcFile[id] = file;
    this.srcRefs[id] = refs;
    return id;
  }

  /** A place in the history files; `series` sources are dropped once their runs are handed over. */
  source(source: Source, series = false): number {
    const id = this.allocSource(WHOLE, series ? 0 : Number.POSITIVE_INFINITY);
    this.whole.set(id, source);
    return id;
  }

  /**
   * A Prometheus series as a place: its file, index in `data.result`, where it starts (line:col), and
   * where its `metric` object's bytes are in the file (offset, length): its labels are read again only if
   * a message needs them.
   */
  seriesSource(
    file: string,
    index: number,
    metricOffset: number,
    metricLength: number,
    line: number,
    col: number,
  ): number {
    let f = this.fileIndex.get(file);
    if (f === undefined) {
      f = this.files.length;
      this.files.push(file);
      this.fileIndex.set(file, f);
    }
    const id = this.allocSource(f, 0);
    this.srcOffset[id] = metricOffset;
    this.srcLength[id] = metricLength;
    this.srcIndex[id] = index;
    this.srcLine[id] = line;
    this.srcCol[id] = col;
    return id;
  }

  /** `file:line:col where` of a source, for messages. */
  describe(id: number): string {
    const f = id >= 0 && id < this.srcTotal ? (this.srcFile[id] as number) : FREE;
    if (f >= 0) {
      const file = this.files[f] as string;
      const bytes = readBytes(file, this.srcOffset[id] as number, this.srcLength[id] as number);
      let labels = "";
      try {
        if (bytes) labels = ` ${labelsText(JSON.parse(bytes.toString("utf8")) as Record<string, unknown>)}`;
      } catch {
        // The file changed since it was read: the place without its labels.
      }
      return `${file}:${this.srcLine[id]}:${this.srcCol[id]} data.result[${this.srcIndex[id]}]${labels}`;
    }
    const s = f === WHOLE ? this.whole.get(id) : undefined;
    if (!s) return "";
    return `${s.file}${s.line !== undefined ? `:${s.line}:${s.col ?? 1}` : ""} ${s.where}`;
  }

  skip(kind: string, count = 1): void {
    this.skipped.set(kind, (this.skipped.get(kind) ?? 0) + count);
  }

  /** The node's number, a new one when first seen. */
  private nodeOf(site: string, node: string): number {
    let s = this.siteIndex.get(site);
    if (s === undefined) {
      s = this.siteNames.length;
      this.siteNames.push(site);
      this.siteIndex.set(site, s);
      this.siteNodes.push(new Map());
      this.siteCut = grown(this.siteCut, s + 1);
      this.siteCut[s] = 0;
    }
    const nodes = this.siteNodes[s] as Map<string, number>;
    let n = nodes.get(node);
    if (n === undefined) {
      n = this.nodeTotal++;
      nodes.set(node, n);
      this.nodeNames.push(node);
      this.nodeSite = grown(this.nodeSite, n + 1);
      this.isOpen = grown(this.isOpen, n + 1);
      this.cutMs = grown(this.cutMs, n + 1);
      const slots = 2 * (n + 1);
      this.stepMs = grown(this.stepMs, slots);
      this.cutStepMs = grown(this.cutStepMs, slots);
      this.value = grown(this.value, slots);
      this.last = grown(this.last, slots);
      this.frontier = grown(this.frontier, slots);
      this.head = grown(this.head, slots);
      this.tail = grown(this.tail, slots);
      this.nodeSite[n] = s;
      this.isOpen[n] = 0;
      this.cutMs[n] = Number.NEGATIVE_INFINITY;
      for (let slot = 2 * n; slot <= 2 * n + 1; slot++) {
        this.stepMs[slot] = Number.POSITIVE_INFINITY;
        this.cutStepMs[slot] = Number.POSITIVE_INFINITY;
        this.value[slot] = -1;
        this.last[slot] = Number.NEGATIVE_INFINITY;
        this.frontier[slot] = Number.NEGATIVE_INFINITY;
        this.head[slot] = -1;
        this.tail[slot] = -1;
      }
    }
    return n;
  }

  /** A record for a run, from the free list or a new one. */
  private allocRun(): number {
    if (this.runFree >= 0) {
      const k = this.runFree;
      this.runFree = this.runNext[k] as number;
      return k;
    }
    const k = this.runTotal++;
    this.runs = grown(this.runs, 4 * (k + 1));
    this.runNext = grown(this.runNext, k + 1);
    return k;
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
    const n = this.nodeOf(site, node);
    const slot = 2 * n + SIGNAL_SLOT[signal];
    if ((runs[1] as number) < (this.cutMs[n] as number))
      throw new Rewind(`${site}/${node}: samples before a stretch already read`);
    const cutStep = this.cutStepMs[slot] as number;
    if (cutStep !== Number.POSITIVE_INFINITY && stepMs < cutStep)
      throw new Rewind(`${site}/${node}: a finer scrape after a stretch already read`);
    for (let i = 0; i < count; i += 3) {
      const k = this.allocRun();
      this.runs[4 * k] = runs[i] as number;
      this.runs[4 * k + 1] = runs[i + 1] as number;
      this.runs[4 * k + 2] = runs[i + 2] as number;
      this.runs[4 * k + 3] = source;
      this.runNext[k] = -1;
      const tail = this.tail[slot] as number;
      if (tail < 0) this.head[slot] = k;
      else this.runNext[tail] = k;
      this.tail[slot] = k;
    }
    const last = runs[count - 1] as number;
    if (last > (this.frontier[slot] as number)) this.frontier[slot] = last;
    if (stepMs < (this.stepMs[slot] as number)) this.stepMs[slot] = stepMs;
    if (this.srcFile[source] !== FREE) this.srcRefs[source] = (this.srcRefs[source] as number) + count / 3;
    this.markOpen(n);
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
    const n = this.nodeOf(site, node);
    const slot = 2 * n + SIGNAL_SLOT[signal];
    let list = this.changes.get(slot);
    if (!list) {
      list = [];
      this.changes.set(slot, list);
    }
    list.push(to, loMs, hiMs, source);
    this.markOpen(n);
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
    const cut = ++this.cuts;
    let sites = 0;
    let kept = 0;
    for (let i = 0; i < this.openCount; i++) {
      const n = this.openList[i] as number;
      if (!this.cutNode(n, watermarkMs, take)) {
        this.openList[kept++] = n;
        continue;
      }
      const s = this.nodeSite[n] as number;
      if (this.siteCut[s] !== cut) {
        this.siteCut[s] = cut;
        this.cutSites = grown(this.cutSites, sites + 1);
        this.cutSites[sites++] = s;
      }
      const c = 2 * n;
      if (this.head[c] === -1 && this.head[c + 1] === -1) this.isOpen[n] = 0;
      else this.openList[kept++] = n;
    }
    this.openCount = kept;
    if (site)
      for (let i = 0; i < sites; i++) {
        const s = this.cutSites[i] as number;
        site(this.siteNames[s] as string, this.siteCutMs(s));
      }
  }

  /** Marks the node as holding something not handed over (at the end of the list when it was not). */
  private markOpen(n: number): void {
    if (this.isOpen[n]) return;
    this.isOpen[n] = 1;
    this.openList = grown(this.openList, this.openCount + 1);
    this.openList[this.openCount++] = n;
  }

  /** The node's stretch up to its last sample handed over, when nothing from `watermarkMs` on can change it. */
  private cutNode(n: number, watermarkMs: number, take: (node: NodeSignals) => void): boolean {
    const c = 2 * n;
    const r = c + 1;
    if (this.changes.has(c) || this.changes.has(r)) return false;
    const cFrontier = this.frontier[c] as number;
    const rFrontier = this.frontier[r] as number;
    if (!(Math.max(cFrontier, rFrontier) < watermarkMs)) return false;
    const at = Math.min(cFrontier, rFrontier);
    if (!(at > (this.cutMs[n] as number))) return false;
    const cordoned = this.transitionsOf(c, at, true);
    const ready = this.transitionsOf(r, at, true);
    if (cordoned.value !== 0 || cordoned.last < at || ready.last < at) return false;
    this.commit(c, cordoned, at);
    this.commit(r, ready, at);
    this.cutMs[n] = at;
    this.handOver(n, cordoned, ready, take);
    return true;
  }

  /** The earliest instant a site's nodes are handed over to. */
  private siteCutMs(site: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (const n of (this.siteNodes[site] as Map<string, number>).values()) {
      const cut = this.cutMs[n] as number;
      if (cut < min) min = cut;
    }
    return min;
  }

  private keyOf(n: number): string {
    return `${this.siteNames[this.nodeSite[n] as number]}\u0000${this.nodeNames[n]}`;
  }

  /** Everything not handed over yet, node by node in name order: the end of the history. */
  finish(take: (node: NodeSignals) => void): void {
    const entries = Array.from(this.openList.subarray(0, this.openCount), (n) => ({ n, key: this.keyOf(n) }));
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { n } of entries) this.isOpen[n] = 0;
    this.openCount = 0;
    for (const { n } of entries) {
      const c = this.transitionsOf(2 * n, Number.POSITIVE_INFINITY, false);
      const r = this.transitionsOf(2 * n + 1, Number.POSITIVE_INFINITY, false);
      this.commit(2 * n, c, Number.POSITIVE_INFINITY);
      this.commit(2 * n + 1, r, Number.POSITIVE_INFINITY);
      this.cutMs[n] = Number.POSITIVE_INFINITY;
      this.handOver(n, c, r, take);
    }
  }

  /** A stretch to `take`; then the sources of series whose every run is handed over are freed. */
  private handOver(n: number, cordoned: Taken, ready: Taken, take: (node: NodeSignals) => void): void {
    for (const id of cordoned.sources) this.handed(id);
    for (const id of ready.sources) this.handed(id);
    take({
      site: this.siteNames[this.nodeSite[n] as number] as string,
      node: this.nodeNames[n] as string,
      cordoned: cordoned.out,
      ready: ready.out,
    });
    for (const id of cordoned.sources) this.release(id);
    for (const id of ready.sources) this.release(id);
  }

  private handed(id: number): void {
    if (this.srcFile[id] !== FREE) this.srcRefs[id] = (this.srcRefs[id] as number) - 1;
  }

  private release(id: number): void {
    if (this.srcFile[id] === FREE || (this.srcRefs[id] as number) > 0) return;
    this.srcFile[id] = FREE;
    this.whole.delete(id);
    this.srcFree = grown(this.srcFree, this.srcFreeCount + 1);
    this.srcFree[this.srcFreeCount++] = id;
  }

  /**
   * The changes of the slot's runs that begin by `atMs` (all of them, and the events, when not
   * `partial`), in time order: runs become changes between them, silences become gaps. Nothing is
   * changed: `commit` moves the slot's state past them.
   */
  private transitionsOf(slot: number, atMs: number, partial: boolean): Taken {
    const out: Transition[] = [];
    const runs = this.runs;
    const order: number[] = [];
    let sorted = true;
    let previous = Number.NEGATIVE_INFINITY;
    for (let k = this.head[slot] as number; k >= 0; k = this.runNext[k] as number) {
      const first = runs[4 * k + 1] as number;
      if (first <= atMs) order.push(k);
      if (first < previous) sorted = false;
      previous = first;
    }
    if (!sorted) order.sort((a, b) => (runs[4 * a + 1] as number) - (runs[4 * b + 1] as number));
    const stepMs = this.stepMs[slot] as number;
    const gapMs = Number.isFinite(stepMs) ? stepMs * GAP_STEPS : Number.POSITIVE_INFINITY;
    let value = this.value[slot] as number;
    let last = this.last[slot] as number;
    const sources: number[] = [];
    for (const k of order) {
      const v = runs[4 * k] as number;
      const first = runs[4 * k + 1] as number;
      const end = runs[4 * k + 2] as number;
      const source = runs[4 * k + 3] as number;
      sources.push(source);
      if (value >= 0 && first - last > gapMs) out.push({ to: -1, loMs: last, hiMs: first, source });
      // Two files may overlap: a run starting before the last one ended only extends it.
      if (value >= 0 && v !== value)
        out.push({ to: v as 0 | 1, loMs: Math.min(last, first), hiMs: first, source });
      if (value < 0) out.push({ to: v as 0 | 1, loMs: Number.NEGATIVE_INFINITY, hiMs: first, source });
      value = v;
      last = Math.max(last, end);
    }
    if (!partial) {
      const changes = this.changes.get(slot) ?? [];
      for (let i = 0; i < changes.length; i += 4)
        out.push({
          to: changes[i] as 0 | 1,
          loMs: changes[i + 1] as number,
          hiMs: changes[i + 2] as number,
          source: changes[i + 3] as number,
        });
    }
    out.sort((a, b) => a.hiMs - b.hiMs || a.loMs - b.loMs);
    return { out, value, last, sources, partial };
  }

  /** The slot's state moved past the runs that begin by `atMs` (and its events, when not partial). */
  private commit(slot: number, taken: Taken, atMs: number): void {
    this.value[slot] = taken.value;
    this.last[slot] = taken.last;
    this.cutStepMs[slot] = Math.min(this.cutStepMs[slot] as number, this.stepMs[slot] as number);
    let kept = -1;
    for (let k = this.head[slot] as number; k >= 0; ) {
      const next = this.runNext[k] as number;
      if ((this.runs[4 * k + 1] as number) <= atMs) {
        this.runNext[k] = this.runFree;
        this.runFree = k;
      } else {
        if (kept < 0) this.head[slot] = k;
        else this.runNext[kept] = k;
        this.runNext[k] = -1;
        kept = k;
      }
      k = next;
    }
    if (kept < 0) this.head[slot] = -1;
    this.tail[slot] = kept;
    if (!taken.partial) this.changes.delete(slot);
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
  /** The signal's value and last sample after these runs. */
  value: number;
  last: number;
  sources: number[];
  partial: boolean;
}
