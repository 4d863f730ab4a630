import { formatClock, formatDuration } from "../shared/duration.js";
import type { FleetTimelineEntry } from "../sim/fleet.js";
import type { TimelineEntry } from "../sim/types.js";
import { formatExpectationLines, formatTimelineLines } from "./timeline-text.js";

/** What the fleet text report needs of a run (structural, so report/ does not depend on scenario/). */
export interface FleetTextReport {
  name: string;
  result: string;
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
  const rows = [
    ["cluster", "nodes", "start", "end", "result", "behavior"],
    ...report.clusters.map((c) => [
      c.name,
      `${c.controlPlanes}+${c.workers}`,
      c.startMs === null ? "-" : formatClock(c.startMs),
      c.endMs === null ? "-" : formatClock(c.endMs),
      c.result,
      c.result === "skipped" ? "-" : c.behavior,
    ]),
  ];
  const widths = (rows[0] as string[]).map((_, col) =>
    Math.max(...rows.map((row) => (row[col] as string).length)),
  );
  return rows.map((row) =>
    row
      .map((cell, col) => cell.padEnd(widths[col] as number))
      .join("  ")
      .trimEnd(),
  );
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

function summaryLines(report: FleetTextReport): string[] {
  const budget = report.failureBudget === undefined ? "none" : String(report.failureBudget);
  return [
    `fleet          ${report.name}`,
    `result         ${report.result}`,
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
  options: { quiet?: boolean; timelines?: boolean } = {},
): string {
  const lines = [...formatClusterTable(report), ""];
  if (!options.quiet) {
    lines.push(...fleetTimelineLines(report.timeline), "");
    if (options.timelines) {
      for (const cluster of report.clusters) {
        if (!cluster.timeline || cluster.startMs === null) continue;
        const start = cluster.startMs;
        lines.push(`${cluster.name} (from ${formatClock(start)})`);
        lines.push(
          ...formatTimelineLines(cluster.timeline.map((e) => ({ ...e, t: e.t + start }))).map(
            (l) => `  ${l}`,
          ),
        );
        lines.push("");
      }
    }
  }
  lines.push(...summaryLines(report), ...formatExpectationLines(report.expectations));
  return `${lines.join("\n")}\n`;
}
