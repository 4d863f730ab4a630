import { formatClock, formatDuration } from "../shared/duration.js";
import { plural } from "../shared/plural.js";
import type { TimelineEntry } from "../sim/types.js";
import { type Colours, outcomeColour, PLAIN, resultAsExpected } from "./colour.js";

/** What the text report needs of a run (structural, so report/ does not depend on scenario/). */
export interface TimelineReport {
  name: string;
  result: string;
  behavior: string;
  finalProfile: string;
  durationMs: number;
  timeline: readonly TimelineEntry[];
  expectations?: readonly { name: string; passed: boolean; message: string }[];
  /** Whether the run passed (with no expectations: it converged and nothing was refused). */
  passed?: boolean;
  /** The node whose action failed and halted the rollout. */
  failure?: { node: string; action: string; reason: string };
  /** Every node's profile at the end, to say which nodes are on which. */
  nodes?: readonly { name: string; profile: string }[];
  /** Updates refused as unsupported. */
  refused?: readonly { t: number; profile: string; reason: string }[];
  /** Two-node clusters: how long writes were unavailable (the leader down). */
  writeOutageMs?: number;
}

const RESERVED = new Set(["t", "node", "event"]);

/** What a line of the text timeline needs: a cluster's entries, or a fleet's with the cluster as `node`. */
export type TimelineLine = { t: number; node?: string; event: string };

/**
 * One line per entry: virtual clock, node, event, then the entry's other fields as key=value in
 * the order the simulation wrote them. Columns are as wide as their widest cell so a timeline
 * reads as a table; trailing spaces are trimmed so golden files stay clean.
 */
export function formatTimelineLines(timeline: readonly TimelineLine[]): string[] {
  const clocks = timeline.map((entry) => formatClock(entry.t));
  // Loops, not Math.max(...list): spreading a long timeline as arguments overflows the stack.
  let clockWidth = 8;
  let nodeWidth = 4;
  let eventWidth = 5;
  for (let i = 0; i < timeline.length; i++) {
    const entry = timeline[i] as TimelineLine;
    clockWidth = Math.max(clockWidth, (clocks[i] as string).length);
    nodeWidth = Math.max(nodeWidth, (entry.node ?? "").length);
    eventWidth = Math.max(eventWidth, entry.event.length);
  }
  return timeline.map((entry, i) => {
    const details = Object.entries(entry)
      .filter(([key, value]) => !RESERVED.has(key) && value !== undefined)
      .map(([key, value]) => `${key}=${formatValue(value)}`)
      .join(" ");
    const line = `${(clocks[i] as string).padEnd(clockWidth)}  ${(entry.node ?? "").padEnd(nodeWidth)}  ${entry.event.padEnd(eventWidth)}  ${details}`;
    return line.trimEnd();
  });
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return JSON.stringify(value);
}

function summaryLines(report: TimelineReport, c: Colours = PLAIN): string[] {
  return [
    `scenario       ${report.name}`,
    `result         ${outcomeColour(report.result, report.expectations, c)(report.result)}`,
    `behavior       ${report.behavior}`,
    `final profile  ${report.finalProfile}`,
    `duration       ${formatDuration(report.durationMs)}`,
    ...(report.writeOutageMs !== undefined
      ? [`write outage   ${formatDuration(report.writeOutageMs)} (two-node: the leader down; reads served)`]
      : []),
  ];
}

/**
 * What the golden summary leaves out and an operator needs: which node failed and why, which nodes
 * are on which profile (when they differ), and the updates refused as unsupported.
 */
export function outcomeLines(report: TimelineReport, c: Colours = PLAIN): string[] {
  const lines: string[] = [];
  if (report.failure) {
    const { node, action, reason } = report.failure;
    // Red unless the scenario expected the failure: then it is what was asked for, plain.
    const line = `failed node    ${node}: ${action} failed: ${reason}`;
    lines.push(resultAsExpected(report.expectations) === true ? line : c.fail(line));
  }
  const byProfile = new Map<string, string[]>();
  for (const node of report.nodes ?? []) {
    const names = byProfile.get(node.profile) ?? [];
    names.push(node.name);
    byProfile.set(node.profile, names);
  }
  if (byProfile.size > 1) {
    lines.push("nodes on");
    for (const [profile, names] of byProfile) lines.push(`  ${profile}: ${names.join(", ")}`);
  }
  for (const refused of report.refused ?? []) {
    lines.push(c.warn(`refused        ${refused.profile} at ${formatClock(refused.t)}: ${refused.reason}`));
  }
  return lines;
}

/** The golden timeline: every entry, then the summary without expectations. Compared byte for byte. */
export function formatGoldenTimeline(report: TimelineReport): string {
  return `${[...formatTimelineLines(report.timeline), "", ...summaryLines(report)].join("\n")}\n`;
}

/** Why a run with no expectations did not pass: its rollout did not converge, or an update was refused. */
export function noExpectReason(run: { result: string; refused?: readonly unknown[] }): string {
  if (run.result === "no-path") return "no path meets its limits";
  return run.result !== "converged"
    ? `the rollout ended ${run.result}`
    : `${plural(run.refused?.length ?? 0, "update")} ${run.refused?.length === 1 ? "was" : "were"} refused as unsupported`;
}

/**
 * Passed expectations get a green ✓; a failed one is red from its ✗ to the end of its message. With none,
 * a run that did not pass says why.
 */
export function formatExpectationLines(
  expectations: TimelineReport["expectations"] = [],
  run?: { passed?: boolean; result: string; refused?: readonly unknown[] },
  c: Colours = PLAIN,
): string[] {
  if (expectations.length === 0) {
    return [
      run?.passed === false
        ? c.fail(`expectations   none, and ${noExpectReason(run)}: not passed`)
        : "expectations   none",
    ];
  }
  return [
    "expectations",
    ...expectations.map((e) =>
      `${e.name}: ${e.message}`
        .split("\n")
        .map((line, i) => (i === 0 ? line : `      ${line}`))
        .map((line, i) =>
          e.passed
            ? i === 0
              ? `  ${c.pass("✓")} ${line}`
              : line
            : i === 0
              ? c.fail(`  ✗ ${line}`)
              : c.fail(line),
        )
        .join("\n"),
    ),
  ];
}

/** The full text report of `edgesim run`: golden timeline plus the expectations block. */
export function formatRunText(report: TimelineReport, c: Colours = PLAIN): string {
  // The golden timeline's lines, then the summary (coloured or not) with the outcome and expectations.
  return [...formatTimelineLines(report.timeline), "", formatSummaryText(report, c)].join("\n");
}

/** The summary alone (for `--quiet`). */
export function formatSummaryText(report: TimelineReport, c: Colours = PLAIN): string {
  return `${[
    ...summaryLines(report, c),
    ...outcomeLines(report, c),
    ...formatExpectationLines(report.expectations, report, c),
  ].join("\n")}\n`;
}
