import { formatClock, formatDuration } from "../shared/duration.js";
import type { FleetTimelineEntry, TimelineEntry } from "../sim/types.js";
import { type Colours, outcomeColour, PLAIN } from "./colour.js";
import { formatExpectationLines, formatTimelineLines } from "./timeline-text.js";

/** What the fleet text report needs of a run (structural, so report/ does not depend on scenario/). */
export interface FleetTextReport {
  name: string;
  result: string;
  /** Whether the wave passed (with no expectations: it converged). */
  passed?: boolean;
  behavior: string;
  concurrency: number;
  failureBudget?: number;
  durationMs: number;
  maxConcurrentClusters: number;
  clusters: readonly {
    name: string;
    result: string;
    behavior: string;
    startMs: number | null;
    endMs: number | null;
    controlPlanes: number;
    workers: number;
    timeline?: readonly TimelineEntry[];
  }[];
  timeline: readonly FleetTimelineEntry[];
  expectations?: readonly { name: string; passed: boolean; message: string }[];
}

/** The per-cluster table: name, nodes (control planes + workers), start, end, result, behavior. */
export function formatClusterTable(report: FleetTextReport): string[] {
  return [...clusterTableLines(report)];
}

function* clusterTableLines(report: FleetTextReport): Generator<string> {
  const header = ["cluster", "nodes", "start", "end", "result", "behavior"];
  const row = (c: FleetTextReport["clusters"][number]) => [
    c.name,
    `${c.controlPlanes}+${c.workers}`,
    c.startMs === null ? "-" : formatClock(c.startMs),
    c.endMs === null ? "-" : formatClock(c.endMs),
    c.result,
    c.result === "skipped" ? "-" : c.behavior,
  ];
  // Two passes over the clusters (widths, then lines), so no table of every row is held.
  const widths = header.map((cell) => cell.length);
  for (const c of report.clusters)
    row(c).forEach((cell, col) => {
      if (cell.length > (widths[col] as number)) widths[col] = cell.length;
    });
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => cell.padEnd(widths[col] as number))
      .join("  ")
      .trimEnd();
  yield line(header);
  for (const c of report.clusters) yield line(row(c));
}

/** Fleet entries name a cluster; it goes in the node column so the timeline reads as a table. */
function fleetTimelineLines(timeline: readonly FleetTimelineEntry[]): string[] {
  return formatTimelineLines(
    timeline.map((entry) => {
      if (!("cluster" in entry)) return entry;
      const { cluster, ...rest } = entry;
      return { ...rest, node: cluster };
    }),
  );
}

function summaryLines(report: FleetTextReport, c: Colours): string[] {
  const budget = report.failureBudget === undefined ? "none" : String(report.failureBudget);
  return [
    `fleet          ${report.name}`,
    `result         ${outcomeColour(report.result, report.expectations, c)(report.result)}`,
    `behavior       ${report.behavior}`,
    `clusters       ${report.clusters.length} (concurrency ${report.concurrency}, failure budget ${budget})`,
    `max rolling    ${report.maxConcurrentClusters}`,
    `duration       ${formatDuration(report.durationMs)}`,
  ];
}

/**
 * `edgesim run FLEET`: the cluster table, the fleet timeline, then the summary and expectations.
 * `timelines` adds every cluster's own timeline, shifted onto the fleet's clock.
 */
export function formatFleetText(
  report: FleetTextReport,
  options: { quiet?: boolean; timelines?: boolean; colours?: Colours } = {},
): string {
  return [...fleetTextPieces(report, options)].join("");
}

/** `formatFleetText` line by line (each piece ends with a newline), for fleets too large for one string. */
export function* fleetTextPieces(
  report: FleetTextReport,
  options: { quiet?: boolean; timelines?: boolean; colours?: Colours } = {},
): Generator<string> {
  const c = options.colours ?? PLAIN;
  for (const line of clusterTableLines(report)) yield `${line}\n`;
  yield "\n";
  if (!options.quiet) {
    for (const line of fleetTimelineLines(report.timeline)) yield `${line}\n`;
    yield "\n";
    if (options.timelines) {
      for (const cluster of report.clusters) {
        if (!cluster.timeline || cluster.startMs === null) continue;
        const start = cluster.startMs;
        yield `${cluster.name} (from ${formatClock(start)})\n`;
        for (const line of formatTimelineLines(cluster.timeline.map((e) => ({ ...e, t: e.t + start }))))
          yield `  ${line}\n`;
        yield "\n";
      }
    }
  }
  for (const line of [...summaryLines(report, c), ...formatExpectationLines(report.expectations, report, c)])
    yield `${line}\n`;
}
