import { formatClock, formatDuration } from "../shared/duration.js";
import type { TimelineEntry, TimelineEntryOf } from "../sim/types.js";

/** What the HTML timeline needs of a scenario run. */
export interface HtmlReportInput {
  name: string;
  result: string;
  behavior: string;
  finalProfile: string;
  timeline: readonly TimelineEntry[];
  expectations: readonly { name: string; passed: boolean; message: string }[];
  nodes: readonly { name: string; role: string }[];
  /** The run's duration (see formatDuration); the last entry's time when absent. */
  durationMs?: number;
}

/** A stretch of time a node spends in one phase of its update, drawn as one bar. */
export interface PhaseBar {
  node: string;
  phase: string;
  start: number;
  end: number;
}

/**
 * Which phase a node enters with each timeline event; `null` ends the current bar (the node is back
 * to Ready). Events not listed leave the node's phase as it is.
 */
const PHASE_AFTER: { [E in TimelineEntry["event"]]?: (entry: TimelineEntryOf<E>) => string | null } = {
  "node-cordoned": () => "cordoned",
  "node-draining": () => "draining",
  "node-drained": () => "drained",
  "action-started": (entry) => entry.action,
  "action-retried": (entry) => entry.action,
  "action-failed": () => "failed",
  // With A/B partitions the node boots its passive image after a failed repave and rejoins.
  "image-fallback": () => "rejoining",
  "action-finished": () => "rejoining",
  "node-rejoined": () => null,
  "node-ready": () => null,
};

/** Turns a timeline into per-node phase bars; a bar still open at the end runs to `end`. */
export function phaseBars(timeline: readonly TimelineEntry[], end: number): PhaseBar[] {
  const bars: PhaseBar[] = [];
  const open = new Map<string, { phase: string; start: number }>();
  for (const entry of timeline) {
    if (entry.node === undefined) continue;
    // Each handler takes its own event's entry; TypeScript cannot follow the key through the lookup.
    const next = PHASE_AFTER[entry.event] as ((entry: TimelineEntry) => string | null) | undefined;
    if (!next) continue;
    const phase = next(entry);
    const current = open.get(entry.node);
    if (current && current.phase === phase) continue;
    if (current) {
      if (entry.t > current.start) bars.push({ node: entry.node, ...current, end: entry.t });
      open.delete(entry.node);
    }
    if (phase !== null) open.set(entry.node, { phase, start: entry.t });
  }
  for (const [node, current] of open) {
    bars.push({ node, ...current, end: Math.max(end, current.start) });
  }
  return bars;
}

/** Windows during which the cluster's Kubernetes service was down. */
export function outageWindows(
  timeline: readonly TimelineEntry[],
  end: number,
): { start: number; end: number }[] {
  const windows: { start: number; end: number }[] = [];
  let downSince: number | undefined;
  for (const entry of timeline) {
    if (entry.event === "kubernetes-down" && downSince === undefined) downSince = entry.t;
    if (entry.event === "kubernetes-up" && downSince !== undefined) {
      windows.push({ start: downSince, end: entry.t });
      downSince = undefined;
    }
  }
  if (downSince !== undefined) windows.push({ start: downSince, end: Math.max(end, downSince) });
  return windows;
}

const TICK_STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400].map(
  (seconds) => seconds * 1000,
);

/** Round tick times (whole seconds, minutes or hours): about five across the chart. */
export function ticks(end: number): number[] {
  const step = TICK_STEPS.find((candidate) => end / candidate <= 6) ?? Math.ceil(end / 5);
  const out: number[] = [];
  for (let t = 0; t <= end; t += step) out.push(t);
  return out;
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

function detailText(entry: TimelineEntry): string {
  return Object.entries(entry)
    .filter(([key]) => key !== "t" && key !== "node" && key !== "event")
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}

const PHASE_COLORS: Record<string, string> = {
  cordoned: "#c7b8ea",
  draining: "#a38fd6",
  drained: "#8a73c9",
  repave: "#d9534f",
  reboot: "#f0ad4e",
  "service-restart": "#5bc0de",
  "config-reload": "#5cb85c",
  rejoining: "#9fb3c8",
  failed: "#222222",
};

/**
 * A self-contained HTML page (no network access needed): a summary, a Gantt chart of every node's
 * phases with Kubernetes outages shaded and updates marked, and the full timeline as a table that
 * filters by node when a row of the chart is clicked.
 */
export function renderHtmlReport(run: HtmlReportInput): string {
  const lastT = run.timeline.reduce((max, entry) => Math.max(max, entry.t), 0);
  const end = Math.max(lastT, 1);
  const nodeNames = run.nodes.map((node) => node.name);
  for (const entry of run.timeline) {
    if (entry.node !== undefined && !nodeNames.includes(entry.node)) nodeNames.push(entry.node);
  }
  const bars = phaseBars(run.timeline, end);
  const outages = outageWindows(run.timeline, end);
  const updates = run.timeline.filter((entry) => entry.event === "update-received");

  const labelWidth = 110;
  const chartWidth = 900;
  const rowHeight = 24;
  const top = 28;
  const height = top + nodeNames.length * rowHeight + 10;
  const x = (t: number) => labelWidth + (t / end) * chartWidth;
  const svg: string[] = [];
  for (const window of outages) {
    svg.push(
      `<rect class="outage" x="${x(window.start).toFixed(1)}" y="${top - 6}" width="${Math.max(1, x(window.end) - x(window.start)).toFixed(1)}" height="${height - top}"><title>Kubernetes down ${formatClock(window.start)} – ${formatClock(window.end)}</title></rect>`,
    );
  }
  for (const update of updates) {
    svg.push(
      `<line class="update" x1="${x(update.t).toFixed(1)}" x2="${x(update.t).toFixed(1)}" y1="${top - 10}" y2="${height}"><title>${escapeHtml(`update ${String(update.profile ?? "")} at ${formatClock(update.t)}`)}</title></line>`,
    );
  }
  nodeNames.forEach((node, index) => {
    const y = top + index * rowHeight;
    svg.push(
      `<g class="row" data-node="${escapeHtml(node)}"><rect class="hit" x="0" y="${y}" width="${labelWidth + chartWidth}" height="${rowHeight}"></rect><text x="4" y="${y + 16}">${escapeHtml(node)}</text></g>`,
    );
  });
  for (const bar of bars) {
    const y = top + nodeNames.indexOf(bar.node) * rowHeight + 4;
    const color = PHASE_COLORS[bar.phase] ?? "#999";
    svg.push(
      `<rect class="bar" data-node="${escapeHtml(bar.node)}" data-phase="${escapeHtml(bar.phase)}" x="${x(bar.start).toFixed(1)}" y="${y}" width="${Math.max(1.5, x(bar.end) - x(bar.start)).toFixed(1)}" height="${rowHeight - 8}" fill="${color}"><title>${escapeHtml(`${bar.node} ${bar.phase} ${formatClock(bar.start)} – ${formatClock(bar.end)} (${formatDuration(bar.end - bar.start)})`)}</title></rect>`,
    );
  }
  for (const t of ticks(end)) {
    const anchor = t === 0 ? "start" : x(t) > labelWidth + chartWidth - 40 ? "end" : "middle";
    svg.push(
      `<text class="tick" x="${x(t).toFixed(1)}" y="12" text-anchor="${anchor}">${formatClock(t)}</text>`,
    );
  }

  const legend = Object.entries(PHASE_COLORS)
    .map(([phase, color]) => `<span><i style="background:${color}"></i>${escapeHtml(phase)}</span>`)
    .join("");
  const expectations = run.expectations
    .map(
      (e) =>
        `<li class="${e.passed ? "pass" : "fail"}">${e.passed ? "✓" : "✗"} <b>${escapeHtml(e.name)}</b> ${escapeHtml(e.message)}</li>`,
    )
    .join("");
  const rows = run.timeline
    .map(
      (entry) =>
        `<tr data-node="${escapeHtml(entry.node ?? "")}"><td>${formatClock(entry.t)}</td><td>${escapeHtml(entry.node ?? "")}</td><td>${escapeHtml(entry.event)}</td><td>${escapeHtml(detailText(entry))}</td></tr>`,
    )
    .join("\n");

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>edgesim: ${escapeHtml(run.name)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 8px; }
.summary span { display: inline-block; margin-right: 18px; }
.result-converged { color: #2e7d32; } .result-failed { color: #c62828; } .result-blocked { color: #ef6c00; }
svg { border: 1px solid #ddd; background: #fafafa; }
.outage { fill: #ffcdd2; opacity: .6; }
.update { stroke: #1565c0; stroke-width: 2; stroke-dasharray: 4 3; }
.row .hit { fill: transparent; cursor: pointer; }
.row:hover .hit, .row.selected .hit { fill: #e3f2fd; }
.tick { font-size: 11px; fill: #666; }
.legend span { margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; }
ul.expectations { padding-left: 0; list-style: none; }
li.pass { color: #2e7d32; } li.fail { color: #c62828; }
table { border-collapse: collapse; margin-top: 12px; font: 12px ui-monospace, monospace; }
td { padding: 2px 10px 2px 0; vertical-align: top; }
td:nth-child(-n + 3) { white-space: nowrap; }
tr.hidden { display: none; }
</style>
</head>
<body>
<h1>${escapeHtml(run.name)}</h1>
<div class="summary">
<span>result <b id="result" class="result-${escapeHtml(run.result)}">${escapeHtml(run.result)}</b></span>
<span>behavior <b id="behavior">${escapeHtml(run.behavior)}</b></span>
<span>final profile <b id="final-profile">${escapeHtml(run.finalProfile)}</b></span>
<span>duration <b>${formatDuration(run.durationMs ?? lastT)}</b></span>
</div>
<ul class="expectations">${expectations}</ul>
<div class="legend">${legend}<span><i style="background:#ffcdd2"></i>Kubernetes down</span><span><i style="background:#1565c0"></i>update</span></div>
<svg id="chart" width="${labelWidth + chartWidth + 20}" height="${height}" xmlns="http://www.w3.org/2000/svg">
${svg.join("\n")}
</svg>
<p><span id="filter-label">All nodes</span> — click a node's row to filter the timeline; click it again to show all.</p>
<table id="timeline"><tbody>
${rows}
</tbody></table>
<script>
const data = ${scriptJson({ nodes: nodeNames })};
let selected = null;
for (const row of document.querySelectorAll(".row")) {
  row.addEventListener("click", () => {
    const node = row.dataset.node;
    selected = selected === node ? null : node;
    for (const other of document.querySelectorAll(".row")) other.classList.toggle("selected", other.dataset.node === selected);
    for (const tr of document.querySelectorAll("#timeline tr")) {
      tr.classList.toggle("hidden", selected !== null && tr.dataset.node !== selected);
    }
    document.getElementById("filter-label").textContent = selected === null ? "All nodes" : "Node " + selected + " of " + data.nodes.length;
  });
}
</script>
</body>
</html>
`;
}
