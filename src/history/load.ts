import { parse } from "csv-parse/sync";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { parseDuration } from "../shared/duration.js";
import { TIMED_STEPS, type TimedStep } from "../shared/timing-distribution.js";
import { EventMerger, readEventList, timeOf } from "./events.js";
import { firstSampleMs, readPrometheusFile } from "./prometheus.js";
import { fileHead, fileLines } from "./read.js";
import { HistoryStore, type NodeSignals } from "./store.js";

/**
 * Reads history files of any of the three kinds into one store, telling each file's kind from its
 * name and first bytes: `.csv` is the intervals table; `.ndjson`/`.jsonl` holds one object a line
 * (events from an exporter, or intervals); a `.json` document is a Prometheus query_range response
 * (`data`) or an event list (`items`).
 *
 * The intervals table (CSV with a header row, or NDJSON with the same keys), for anything the metrics
 * and events do not cover: `site,node,step,start,end[,outcome][,resolution]` where `step` is one of
 * cordon, drain, repave, reboot, serviceRestart, configReload, rejoin; `start`/`end` are ISO 8601
 * date-times; `outcome` is `ok` (default) or `failed` (a failed attempt); `resolution` is how far each
 * end may be off (a duration; default exact).
 */
export const INTERVAL_COLUMNS = ["site", "node", "step", "start", "end", "outcome", "resolution"] as const;

export interface HistoryOptions {
  siteLabel?: string;
}

/** What the reader hands over as it goes (see `HistoryStore.cut`). */
export interface HistoryTaker {
  /** The events and intervals are read (the Prometheus responses come next). */
  begin?(store: HistoryStore): void;
  /** A stretch of one node's changes, each node's in time order. */
  node(node: NodeSignals): void;
  /** A site whose nodes are all handed over up to `beforeMs`. */
  site?(site: string, beforeMs: number): void;
}

/** The whole history read into a store, nothing handed over yet (`nodeSignals` gives it all). */
export function readHistory(files: readonly string[], options: HistoryOptions = {}): HistoryStore {
  return streamHistory(files, options, undefined, false);
}

/**
 * Reads history files of any kind: first the events and intervals (small; the events of all files are
 * merged), then the Prometheus responses in time order (by their first sample), handing each node's
 * finished stretches to `taker` after each file, so memory holds the nodes' open spells, not the history.
 * With `handOver` false nothing is handed over as it goes: the store holds it all. The store is returned,
 * its rest not handed over (`finish`). Throws `Rewind` when a file goes back before a stretch already
 * handed over.
 */
export function streamHistory(
  files: readonly string[],
  options: HistoryOptions = {},
  taker?: HistoryTaker,
  handOver = true,
): HistoryStore {
  const store = new HistoryStore();
  const events = new EventMerger(store);
  const prometheus: { file: string; firstMs: number; order: number }[] = [];
  const kinds = files.map((file) => kindOf(file));
  files.forEach((file, order) => {
    const kind = kinds[order] as FileKind;
    if (kind.kind === "prometheus")
      prometheus.push({ file, firstMs: kind.firstMs ?? Number.NEGATIVE_INFINITY, order });
    else if (kind.kind === "csv") readIntervalsCsv(file, store);
    else if (kind.kind === "ndjson") readNdjson(file, store, events);
    else readEventList(file, events);
  });
  events.flush();
  taker?.begin?.(store);
  prometheus.sort((a, b) => a.firstMs - b.firstMs || a.order - b.order);
  prometheus.forEach(({ file }, k) => {
    readPrometheusFile(file, store, options);
    if (taker && handOver)
      store.cut(prometheus[k + 1]?.firstMs ?? Number.POSITIVE_INFINITY, taker.node, taker.site);
  });
  return store;
}

type FileKind = { kind: "csv" | "ndjson" | "events" } | { kind: "prometheus"; firstMs: number | undefined };

/** A file's kind, from its name and first bytes. */
function kindOf(file: string): FileKind {
  const lower = file.toLowerCase();
  if (lower.endsWith(".csv")) return { kind: "csv" };
  if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl")) return { kind: "ndjson" };
  const head = fileHead(file, 64 * 1024);
  if (head.trim() === "") throw new InputError([{ file, message: "is empty" }]);
  if (/"items"\s*:/.test(head) && !/"resultType"\s*:/.test(head)) return { kind: "events" };
  if (/"(data|status)"\s*:/.test(head)) return { kind: "prometheus", firstMs: firstSampleMs(head) };
  if (!head.trimStart().startsWith("{") || (head.trimStart().startsWith("{") && /\}\s*\n\s*\{/.test(head)))
    return { kind: "ndjson" };
  throw new InputError([
    {
      file,
      line: 1,
      col: 1,
      message:
        "not a history file edgesim knows: a Prometheus query_range response, an event list (kubectl get events -o json), NDJSON events or intervals, or an intervals CSV",
    },
  ]);
}

function readNdjson(file: string, store: HistoryStore, events: EventMerger): undefined {
  const problems: Diagnostic[] = [];
  for (const [text, line] of fileLines(file)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const match = /position (\d+)/.exec((error as Error).message);
      problems.push({
        file,
        line,
        col: match ? Number(match[1]) + 1 : 1,
        message: `not JSON: ${(error as Error).message.split(" in JSON")[0]}`,
      });
      if (problems.length >= 10) break;
      continue;
    }
    const problem =
      typeof value === "object" && value !== null && "involvedObject" in value
        ? events.add(file, value, { line, col: 1 })
        : addInterval(file, store, value as Record<string, unknown>, { line, col: 1 }, (k) => k);
    if (problem) problems.push({ file, line, col: 1, message: problem });
    if (problems.length >= 10) break;
  }
  if (problems.length > 0) throw new InputError(problems);
}

function readIntervalsCsv(file: string, store: HistoryStore): undefined {
  const problems: Diagnostic[] = [];
  let header: string[] | undefined;
  for (const [text, line] of fileLines(file)) {
    if (text.trim() === "" || text.startsWith("#")) continue;
    let cells: string[];
    try {
      cells = (parse(text, { trim: true, bom: true, relax_column_count: true }) as string[][])[0] ?? [];
    } catch (error) {
      problems.push({ file, line, col: 1, message: (error as Error).message.split("\n")[0] ?? "bad CSV" });
      continue;
    }
    if (!header) {
      header = cells;
      const missing = INTERVAL_COLUMNS.slice(0, 5).filter((c) => !cells.includes(c));
      if (missing.length > 0)
        throw new InputError([
          {
            file,
            line,
            col: 1,
            message: `the header lacks ${missing.length === 1 ? "column" : "columns"} ${missing.join(", ")} (columns: ${INTERVAL_COLUMNS.join(", ")})`,
          },
        ]);
      continue;
    }
    const row: Record<string, unknown> = {};
    header.forEach((name, i) => {
      if (cells[i] !== undefined && cells[i] !== "") row[name] = cells[i];
    });
    const columnOf = (key: string) => `column ${key}`;
    const problem = addInterval(file, store, row, { line, col: 1 }, columnOf);
    if (problem) problems.push({ file, line, col: 1, message: problem });
    if (problems.length >= 10) break;
  }
  if (problems.length > 0) throw new InputError(problems);
  if (!header) throw new InputError([{ file, message: "is empty (expected a header row)" }]);
}

function addInterval(
  file: string,
  store: HistoryStore,
  row: Record<string, unknown>,
  where: { line: number; col: number },
  name: (key: string) => string,
): string | undefined {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "expected a JSON object";
  for (const key of ["site", "node", "step", "start", "end"])
    if (typeof row[key] !== "string" || row[key] === "") return `${name(key)} is missing`;
  const step = row.step as string;
  if (!(TIMED_STEPS as readonly string[]).includes(step))
    return `${name("step")}: "${step}" is not a step (${TIMED_STEPS.join(", ")})`;
  const startMs = timeOf(row.start);
  const endMs = timeOf(row.end);
  if (startMs === undefined)
    return `${name("start")}: ${JSON.stringify(row.start)} is not an ISO 8601 date-time`;
  if (endMs === undefined) return `${name("end")}: ${JSON.stringify(row.end)} is not an ISO 8601 date-time`;
  if (endMs < startMs) return `${name("end")} is before ${name("start")}`;
  const outcome = row.outcome ?? "ok";
  if (outcome !== "ok" && outcome !== "failed")
    return `${name("outcome")}: "${String(outcome)}" is not ok or failed`;
  const resolution = row.resolution === undefined ? 0 : parseDuration(row.resolution);
  if (resolution === undefined)
    return `${name("resolution")}: ${JSON.stringify(row.resolution)} is not a duration`;
  const length = endMs - startMs;
  store.given.push({
    site: row.site as string,
    node: row.node as string,
    step: step as TimedStep,
    startMs,
    loMs: Math.max(0, length - 2 * resolution),
    hiMs: length + 2 * resolution,
    failed: outcome === "failed",
    source: store.source({ file, line: where.line, col: where.col, where: `line ${where.line}` }),
  });
  return undefined;
}
