import { basename } from "node:path";
import { InputError } from "../shared/diagnostics.js";
import { JsonSplitter } from "./json-split.js";
import { fileChunks } from "./read.js";
import type { HistoryStore, Signal } from "./store.js";

/**
 * Kubernetes Event objects about nodes, as `kubectl get events -A -o json` prints them (a List with
 * `items`) and as event exporters write them (one object per line). The reasons read:
 * NodeNotSchedulable / NodeSchedulable (cordon, uncordon) and NodeNotReady / NodeReady. `Rebooted` and
 * kubelet `Starting` say a node restarted but not when it went down: they are counted, not used.
 *
 * Kubernetes merges a repeated event into the earlier one (`count`, `firstTimestamp`,
 * `lastTimestamp`), and exporters write the object again each time it is updated: events are merged
 * by uid (else namespace/name), keeping the highest count. A merged event with count n says the change
 * happened n times: at firstTimestamp, at lastTimestamp, and n-2 times in between (each known only to
 * lie between the two). Timestamps have one-second resolution: a change is known to ±1 s.
 *
 * The site is the object's `cluster` (or `site`) field, which exporters add, else its
 * `metadata.labels.cluster`, else the file name up to its first dot (`store-042.events.json`).
 */
const REASONS: Record<string, { signal: Signal; to: 0 | 1 }> = {
  NodeNotSchedulable: { signal: "cordoned", to: 1 },
  NodeSchedulable: { signal: "cordoned", to: 0 },
  NodeNotReady: { signal: "ready", to: 0 },
  NodeReady: { signal: "ready", to: 1 },
};
const COUNTED = new Set(["Rebooted", "Starting"]);

interface EventRecord {
  site: string;
  node: string;
  reason: string;
  count: number;
  firstMs: number;
  lastMs: number;
  source: number;
}

/** Events of every file, merged across files; `flush` hands them to the store. */
export class EventMerger {
  private readonly byKey = new Map<string, EventRecord>();
  constructor(private readonly store: HistoryStore) {}

  /** One event object; `where` places it for messages. Returns a problem message, or undefined. */
  add(file: string, value: unknown, where: { line: number; col: number; path?: string }): string | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return "an event is a JSON object";
    const e = value as Record<string, unknown>;
    const involved = e.involvedObject as Record<string, unknown> | undefined;
    const reason = e.reason;
    if (typeof reason !== "string") return "an event without `reason`";
    if (involved?.kind !== "Node") {
      this.store.skip("events about objects other than nodes");
      return undefined;
    }
    if (COUNTED.has(reason)) {
      this.store.skip(`${reason} events (a restart, not when the node went down)`);
      return undefined;
    }
    if (!(reason in REASONS)) {
      this.store.skip("node events of other reasons");
      return undefined;
    }
    const node = involved.name;
    if (typeof node !== "string") return "involvedObject.name is missing";
    const metadata = (e.metadata ?? {}) as Record<string, unknown>;
    const labels = (metadata.labels ?? {}) as Record<string, unknown>;
    const site = [e.cluster, e.site, labels.cluster, labels.site].find((s) => typeof s === "string") as
      | string
      | undefined;
    const series = e.series as Record<string, unknown> | undefined;
    const firstText = e.firstTimestamp ?? e.eventTime;
    const lastText = series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
    const firstMs = timeOf(firstText ?? lastText);
    const lastMs = timeOf(lastText);
    if (firstMs === undefined || lastMs === undefined)
      return `no valid time (firstTimestamp ${JSON.stringify(firstText)}, lastTimestamp ${JSON.stringify(lastText)})`;
    if (lastMs < firstMs) return "lastTimestamp is before firstTimestamp";
    const rawCount = series?.count ?? e.count ?? 1;
    const count =
      typeof rawCount === "number" && Number.isInteger(rawCount) && rawCount >= 1 ? rawCount : undefined;
    if (count === undefined) return `count ${JSON.stringify(rawCount)} is not a whole number ≥ 1`;
    const uid = metadata.uid ?? `${String(metadata.namespace ?? "")}/${String(metadata.name ?? "")}`;
    const record: EventRecord = {
      site: site ?? basename(file).split(".")[0] ?? file,
      node,
      reason,
      count,
      firstMs,
      lastMs,
      source: this.store.source({
        file,
        line: where.line,
        col: where.col,
        where: `${where.path ?? `line ${where.line}`} ${reason} ${node}`,
      }),
    };
    const key = `${record.site}\u0000${String(uid)}`;
    const earlier = this.byKey.get(key);
    if (!earlier || count > earlier.count || (count === earlier.count && lastMs > earlier.lastMs))
      this.byKey.set(key, record);
    return undefined;
  }

  flush(): void {
    for (const r of this.byKey.values()) {
      const { signal, to } = REASONS[r.reason] as { signal: Signal; to: 0 | 1 };
      // Second-resolution timestamps are truncated: the instant is in [t, t + 1 s).
      this.store.addChange(r.site, r.node, signal, to, r.firstMs, r.firstMs + 1000, r.source);
      for (let i = 1; i < r.count - 1; i++)
        this.store.addChange(r.site, r.node, signal, to, r.firstMs, r.lastMs + 1000, r.source);
      if (r.count > 1) this.store.addChange(r.site, r.node, signal, to, r.lastMs, r.lastMs + 1000, r.source);
    }
    this.byKey.clear();
  }
}

export function timeOf(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `kubectl get events -A -o json`: a List whose `items` are events. */
export function readEventList(file: string, merger: EventMerger): undefined {
  let kind: unknown;
  let items = 0;
  const splitter = new JsonSplitter(file, {
    capture: (path) => path.length === 2 && path[0] === "items",
    value: (path, value, line, col) => {
      if (path.length === 1 && path[0] === "kind") kind = value;
      if (path.length !== 2) return;
      items++;
      const problem = merger.add(file, value, { line, col, path: `items[${String(path[1])}]` });
      if (problem)
        throw new InputError([{ file, line, col, path: `items[${String(path[1])}]`, message: problem }]);
    },
  });
  for (const chunk of fileChunks(file)) splitter.push(chunk);
  splitter.end();
  if (items === 0 && kind === undefined)
    throw new InputError([{ file, message: "not an event list (no `items`) nor a Prometheus response" }]);
}
