import { formatClock, formatDuration } from "../shared/duration.js";
import type { TimelineEntry, TimelineEntryOf } from "../sim/types.js";
import {
  escapeHtml,
  OKABE_ITO,
  PHASE_COLORS,
  PHASE_LABELS,
  percentOf,
  RESULT_STYLE,
  scriptJson,
  ticks,
} from "./html-kit.js";

export { ticks } from "./html-kit.js";

/** One change of a plan, as the page explains it beside the timeline. */
export interface PlanLine {
  layer: string;
  path: string;
  behavior: string;
  rule: string;
  reason: string;
}

/** What one update does: the plan the agent applied (or the refusal), at the time it was published. */
export interface UpdatePlan {
  t: number;
  from: string;
  to: string;
  behavior: string;
  changes: readonly PlanLine[];
  /** Set when the update was refused (unsupported): why. */
  refused?: { rule: string; reason: string };
}

/** What the HTML timeline needs of a scenario run. */
export interface HtmlReportInput {
  name: string;
  result: string;
  behavior: string;
  finalProfile: string;
  timeline: readonly TimelineEntry[];
  expectations: readonly { name: string; passed: boolean; message: string }[];
  nodes: readonly { name: string; role: string }[];
  /** Each update's plan, shown beside the timeline. */
  plans?: readonly UpdatePlan[];
  /** The run's duration (see formatDuration); the last entry's time when absent. */
  durationMs?: number;
}

/** A stretch of time a node spends in one phase of its update, drawn as one bar. */
export interface PhaseBar {
  node: string;
  phase: string;
  start: number;
  end: number;
  /** For an action: which attempt (1 = the first try). */
  attempt?: number;
  /** The action's attempt ended in failure. */
  failed?: boolean;
}

/** A failed attempt of a node's action: drawn as a mark with a label, never just a bar's colour. */
export interface FailedAttempt {
  node: string;
  t: number;
  action: string;
  attempt: number;
  reason: string;
  /** With A/B partitions: the node booted its previous image instead of staying Failed. */
  fellBack: boolean;
}

type PhaseStep = { phase: string | null; attempt?: number; failed?: boolean };

/**
 * Which phase a node enters with each timeline event; `null` ends the current bar (the node is back
 * to Ready). Events not listed leave the node's phase as it is.
 */
const PHASE_AFTER: { [E in TimelineEntry["event"]]?: (entry: TimelineEntryOf<E>) => PhaseStep } = {
  "node-cordoned": () => ({ phase: "cordoned" }),
  "node-draining": () => ({ phase: "draining" }),
  "node-drain-skipped": () => ({ phase: "draining" }),
  "node-drained": () => ({ phase: "drained" }),
  "node-waiting": () => ({ phase: "waiting" }),
  "node-rejoin-waiting": () => ({ phase: "waiting" }),
  "action-started": (entry) => ({ phase: entry.action, attempt: entry.attempt }),
  "action-failed": () => ({ phase: "failed", failed: true }),
  // With A/B partitions the node boots its passive image after a failed repave and rejoins.
  "image-fallback": () => ({ phase: "rejoining" }),
  "action-finished": () => ({ phase: "rejoining" }),
  "node-rejoined": () => ({ phase: null }),
  "node-ready": () => ({ phase: null }),
};

/** Turns a timeline into per-node phase bars; a bar still open at the end runs to `end`. */
export function phaseBars(timeline: readonly TimelineEntry[], end: number): PhaseBar[] {
  const bars: PhaseBar[] = [];
  const open = new Map<string, { phase: string; start: number; attempt?: number }>();
  for (const entry of timeline) {
    if (entry.node === undefined) continue;
    // Each handler takes its own event's entry; TypeScript cannot follow the key through the lookup.
    const next = PHASE_AFTER[entry.event] as ((entry: TimelineEntry) => PhaseStep) | undefined;
    if (!next) continue;
    const step = next(entry);
    const current = open.get(entry.node);
    if (current && current.phase === step.phase && current.attempt === step.attempt) continue;
    if (current) {
      if (entry.t > current.start) {
        bars.push({
          node: entry.node,
          phase: current.phase,
          start: current.start,
          end: entry.t,
          ...(current.attempt !== undefined ? { attempt: current.attempt } : {}),
          ...(step.failed && current.attempt !== undefined ? { failed: true } : {}),
        });
      }
      open.delete(entry.node);
    }
    if (step.phase !== null) {
      open.set(entry.node, {
        phase: step.phase,
        start: entry.t,
        ...(step.attempt !== undefined ? { attempt: step.attempt } : {}),
      });
    }
  }
  for (const [node, current] of open) {
    bars.push({ node, ...current, end: Math.max(end, current.start) });
  }
  return bars;
}

/** Every failed attempt in the timeline, in time order. */
export function failedAttempts(timeline: readonly TimelineEntry[]): FailedAttempt[] {
  const out: FailedAttempt[] = [];
  timeline.forEach((entry, i) => {
    if (entry.event !== "action-failed") return;
    const fellBack = timeline
      .slice(i + 1)
      .some((later) => later.event === "image-fallback" && later.node === entry.node && later.t === entry.t);
    out.push({
      node: entry.node,
      t: entry.t,
      action: entry.action,
      attempt: entry.attempt,
      reason: entry.reason,
      fellBack,
    });
  });
  return out;
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

function detailText(entry: TimelineEntry): string {
  return Object.entries(entry)
    .filter(([key]) => key !== "t" && key !== "node" && key !== "event")
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}

const FAIL_EVENTS = new Set<string>(["action-failed", "rollout-halted", "update-rejected"]);

function failureText(failure: FailedAttempt): string {
  return `${failure.action} failed · attempt ${failure.attempt}${failure.fellBack ? " · back on the previous image" : ""}`;
}

function planPanel(plans: readonly UpdatePlan[]): string {
  if (plans.length === 0) return `<p class="muted">No update reached the cluster.</p>`;
  return plans
    .map((plan) => {
      const head = `<h3><span class="when">${formatClock(plan.t)}</span> ${plan.from ? `${escapeHtml(plan.from)} → ` : "update "}${escapeHtml(plan.to)}: <b>${escapeHtml(plan.refused ? "refused" : plan.behavior)}</b></h3>`;
      if (plan.refused) {
        return `<div class="plan refused">${head}<p><span class="fail-text">✕ unsupported</span> — rule <code>${escapeHtml(plan.refused.rule)}</code>: ${escapeHtml(plan.refused.reason)}</p></div>`;
      }
      const items = plan.changes
        .map(
          (change) =>
            `<li><i class="swatch" style="background:${PHASE_COLORS[change.behavior] ?? "#fff"}"></i><code>${escapeHtml(change.layer)} · ${escapeHtml(change.path)}</code> → <b>${escapeHtml(change.behavior)}</b><br><small>rule <code>${escapeHtml(change.rule)}</code>: ${escapeHtml(change.reason)}</small></li>`,
        )
        .join("");
      return `<div class="plan">${head}${items ? `<ol>${items}</ol>` : `<p class="muted">No change reaches the nodes.</p>`}</div>`;
    })
    .join("\n");
}

/**
 * A self-contained HTML page (no network access needed): a summary (with every failed attempt named), a
 * Gantt chart of every node's phases that follows the window's width — time ticks and gridlines,
 * Kubernetes outages shaded, updates marked, failed attempts marked and labelled — the plan of each update
 * beside it, and the full timeline as a table that filters by node when a row of the chart is clicked.
 */
export function renderHtmlReport(run: HtmlReportInput): string {
  const lastT = run.timeline.reduce((max, entry) => Math.max(max, entry.t), 0);
  const end = Math.max(lastT, 1);
  const nodeNames = run.nodes.map((node) => node.name);
  const roles = new Map(run.nodes.map((node) => [node.name, node.role]));
  for (const entry of run.timeline) {
    if (entry.node !== undefined && !nodeNames.includes(entry.node)) nodeNames.push(entry.node);
  }
  const bars = phaseBars(run.timeline, end);
  // A node left Failed at the very end has a bar of no length: its failure mark says it.
  const visibleBars = bars.filter((bar) => bar.end > bar.start);
  const failures = failedAttempts(run.timeline);
  const adoptions = run.timeline.filter((entry) => entry.event === "node-adopted");
  const outages = outageWindows(run.timeline, end);
  const updates = run.timeline.filter((entry) => entry.event === "update-received");
  const at = (t: number) => percentOf(t, end);

  const overlay: string[] = [];
  for (const t of ticks(end, 8)) overlay.push(`<i class="grid" style="left:${at(t)}"></i>`);
  for (const window of outages) {
    overlay.push(
      `<div class="outage" style="left:${at(window.start)};width:${percentOf(window.end - window.start, end)}" title="Kubernetes down ${formatClock(window.start)} – ${formatClock(window.end)}"></div>`,
    );
  }
  for (const update of updates) {
    overlay.push(
      `<div class="update" style="left:${at(update.t)}" title="${escapeHtml(`update ${update.profile} at ${formatClock(update.t)}`)}"></div>`,
    );
  }

  const rows = nodeNames.map((node) => {
    const items: string[] = [];
    for (const bar of visibleBars.filter((b) => b.node === node)) {
      const color = PHASE_COLORS[bar.phase] ?? "#999999";
      const attempt = bar.attempt !== undefined ? ` attempt ${bar.attempt}` : "";
      const title = `${bar.node} ${PHASE_LABELS[bar.phase] ?? bar.phase}${attempt}${bar.failed ? " (failed)" : ""} ${formatClock(bar.start)} – ${formatClock(bar.end)} (${formatDuration(bar.end - bar.start)})`;
      items.push(
        `<span class="bar${bar.failed ? " failed-attempt" : ""}" data-phase="${escapeHtml(bar.phase)}"${bar.attempt !== undefined ? ` data-attempt="${bar.attempt}"` : ""} style="left:${at(bar.start)};width:${percentOf(bar.end - bar.start, end)};background-color:${color}" title="${escapeHtml(title)}"></span>`,
      );
    }
    // Labels go in lanes under the bars, a new lane when the previous label would be too close.
    let lanes = 0;
    let lastAt = Number.NEGATIVE_INFINITY;
    let lane = -1;
    for (const failure of failures.filter((f) => f.node === node)) {
      const fraction = failure.t / end;
      lane = fraction - lastAt < 0.25 ? lane + 1 : 0;
      lastAt = fraction;
      lanes = Math.max(lanes, lane + 1);
      const side = fraction > 0.6 ? " before" : "";
      items.push(
        `<span class="fail-mark" style="left:${at(failure.t)}" title="${escapeHtml(`${failure.node}: ${failureText(failure)} at ${formatClock(failure.t)}: ${failure.reason}`)}">✕</span><span class="fail-label${side}" style="left:${at(failure.t)};top:calc(var(--row) + ${lane} * var(--lane))">${escapeHtml(failureText(failure))}</span>`,
      );
    }
    // A node whose plan was no-op took the profile untouched: a mark where it did, no bar.
    for (const adopted of adoptions.filter((a) => a.node === node)) {
      items.push(
        `<span class="adopt-mark" data-adopted="${escapeHtml(adopted.profile)}" style="left:${at(adopted.t)}" title="${escapeHtml(`${node} took ${adopted.profile} untouched (no-op) at ${formatClock(adopted.t)}`)}">○</span>`,
      );
    }
    const height = lanes > 0 ? ` style="height:calc(var(--row) + ${lanes} * var(--lane) + 4px)"` : "";
    return `<div class="row${lanes > 0 ? " has-failure" : ""}" data-node="${escapeHtml(node)}" data-role="${escapeHtml(roles.get(node) ?? "")}"${height}><div class="label">${escapeHtml(node)}</div><div class="track">${items.join("")}</div></div>`;
  });

  const axis = ticks(end, 8)
    .map((t) => `<span class="tick" style="left:${at(t)}">${formatClock(t)}</span>`)
    .join("");

  const phasesSeen = Object.keys(PHASE_COLORS).filter((phase) =>
    visibleBars.some((bar) => bar.phase === phase),
  );
  const legend = [
    ...phasesSeen.map(
      (phase) =>
        `<span data-legend="${phase}"><i style="background:${PHASE_COLORS[phase]}"></i>${escapeHtml(PHASE_LABELS[phase] ?? phase)}</span>`,
    ),
    ...(failures.length > 0
      ? [
          `<span data-legend="failed-attempt"><i class="failed-attempt"></i><b class="fail-text">✕</b> failed attempt</span>`,
        ]
      : []),
    ...(adoptions.length > 0
      ? [`<span data-legend="adopted"><b class="adopt-text">○</b> took the profile untouched (no-op)</span>`]
      : []),
    ...(outages.length > 0
      ? [`<span data-legend="outage"><i class="outage-swatch"></i>Kubernetes down</span>`]
      : []),
    ...(updates.length > 0
      ? [`<span data-legend="update"><i class="update-swatch"></i>update published</span>`]
      : []),
  ].join("");

  const expectations = run.expectations
    .map(
      (e) =>
        `<li class="${e.passed ? "pass" : "fail"}">${e.passed ? "✓" : "✕"} <b>${escapeHtml(e.name)}</b> ${escapeHtml(e.message)}</li>`,
    )
    .join("");
  const tableRows = run.timeline
    .map((entry) => {
      const fail = FAIL_EVENTS.has(entry.event);
      const cls = fail ? ' class="fail"' : entry.event === "update-refused" ? ' class="refused"' : "";
      return `<tr data-node="${escapeHtml(entry.node ?? "")}"${cls}><td>${formatClock(entry.t)}</td><td>${escapeHtml(entry.node ?? "")}</td><td>${fail ? "✕ " : ""}${escapeHtml(entry.event)}</td><td>${escapeHtml(detailText(entry))}</td></tr>`;
    })
    .join("\n");
  const style = RESULT_STYLE[run.result] ?? { color: OKABE_ITO.black, mark: "" };
  const banner =
    failures.length === 0
      ? ""
      : `<div class="banner" role="alert"><b>✕ ${failures.length} failed attempt${failures.length === 1 ? "" : "s"}</b><ul>${failures
          .map(
            (f) =>
              `<li>${formatClock(f.t)} <b>${escapeHtml(f.node)}</b> ${escapeHtml(failureText(f))} — ${escapeHtml(f.reason)}</li>`,
          )
          .join("")}</ul></div>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgesim: ${escapeHtml(run.name)}</title>
<style>
:root { --fail: ${OKABE_ITO.vermillion}; --label: 7.5rem; --row: 22px; --lane: 20px; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #1a1a1a; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 13px; margin: 8px 0 4px; font-weight: 600; }
.summary span { display: inline-block; margin-right: 18px; }
.result { font-weight: 700; }
.banner { border: 2px solid var(--fail); border-left-width: 8px; background: #fdf1ea; padding: 6px 12px; margin: 8px 0; }
.banner b:first-child { color: var(--fail); }
.banner ul { margin: 4px 0 0; padding-left: 18px; }
.fail-text { color: var(--fail); }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(16rem, 26rem); gap: 16px; align-items: start; }
@media (max-width: 960px) { .layout { grid-template-columns: minmax(0, 1fr); } }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin: 6px 0; }
.legend i { display: inline-block; width: 14px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1px solid #0003; }
.legend i.outage-swatch { background: repeating-linear-gradient(135deg, #0000 0 3px, #0000001f 3px 6px); }
.legend i.update-swatch { width: 3px; background: ${OKABE_ITO.black}; }
.gantt { border: 1px solid #ccc; background: #fff; }
.axis { position: sticky; top: 0; z-index: 3; display: flex; background: #fff; border-bottom: 1px solid #ccc; height: 22px; }
.axis::before { content: ""; flex: 0 0 var(--label); }
.axis-track { position: relative; flex: 1; margin-right: 12px; }
.tick { position: absolute; top: 3px; transform: translateX(-50%); font-size: 11px; color: #444; white-space: nowrap; }
.tick:first-child { transform: none; }
.tick:last-child { transform: translateX(-100%); }
.body { position: relative; }
.overlay { position: absolute; top: 0; bottom: 0; left: var(--label); right: 12px; pointer-events: none; z-index: 0; }
.grid { position: absolute; top: 0; bottom: 0; width: 0; border-left: 1px solid #e4e4e4; }
.outage { position: absolute; top: 0; bottom: 0; background: repeating-linear-gradient(135deg, #0000 0 4px, #0000001a 4px 8px); border-left: 1px dashed #555; border-right: 1px dashed #555; }
.update { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px dashed ${OKABE_ITO.black}; }
.row { display: flex; height: var(--row); position: relative; z-index: 1; cursor: pointer; }
.row:nth-child(even) { background: #00000008; }
.row:hover, .row.selected { background: #56b4e933; }
.row .label { flex: 0 0 var(--label); padding: 0 6px; font: 12px/var(--row) ui-monospace, monospace; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.track { position: relative; flex: 1; margin-right: 12px; }
.bar { position: absolute; top: 4px; height: calc(var(--row) - 8px); min-width: 2px; border-radius: 2px; }
.row.has-failure { background: #d55e0012; }
.bar.failed-attempt, .legend i.failed-attempt { outline: 2px solid var(--fail); outline-offset: 0; background-image: repeating-linear-gradient(45deg, #0000 0 4px, var(--fail) 4px 7px); }
.bar[data-phase="failed"] { background-image: repeating-linear-gradient(45deg, #0000 0 4px, #fff8 4px 7px); }
.adopt-mark { position: absolute; top: 2px; width: 18px; height: 18px; margin-left: -9px; color: ${OKABE_ITO.black}; font: 700 14px/18px system-ui, sans-serif; text-align: center; z-index: 1; }
.fail-mark { position: absolute; top: 2px; width: 18px; height: 18px; margin-left: -9px; border-radius: 50%; background: var(--fail); color: #fff; font: 700 12px/18px system-ui, sans-serif; text-align: center; z-index: 2; box-shadow: 0 0 0 2px #fff; }
.fail-label { position: absolute; margin-left: -9px; padding: 0 4px; font: 600 11px/18px system-ui, sans-serif; color: var(--fail); background: #fffe; border: 1px solid var(--fail); border-radius: 3px; white-space: nowrap; z-index: 2; }
.fail-label.before { margin-left: 9px; transform: translateX(-100%); }
.plan-panel { border: 1px solid #ccc; padding: 8px 12px; font-size: 13px; }
.plan ol { margin: 0; padding-left: 18px; }
.plan li { margin: 4px 0; }
.plan .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #0003; }
.plan.refused { border-left: 4px solid var(--fail); padding-left: 6px; }
.when { font: 12px ui-monospace, monospace; color: #555; }
.muted { color: #666; }
ul.expectations { padding-left: 0; list-style: none; margin: 6px 0; }
li.pass { color: #00664a; } li.fail { color: var(--fail); font-weight: 600; }
table { border-collapse: collapse; margin-top: 8px; font: 12px ui-monospace, monospace; width: 100%; }
th { text-align: left; position: sticky; top: 0; background: #f2f2f2; border-bottom: 1px solid #bbb; padding: 3px 10px 3px 0; }
td { padding: 2px 10px 2px 0; vertical-align: top; border-bottom: 1px solid #eee; }
td:nth-child(-n + 3) { white-space: nowrap; }
tr.fail td { color: var(--fail); font-weight: 600; }
tr.fail td:first-child { box-shadow: inset 4px 0 var(--fail); padding-left: 8px; }
tr.refused td { color: #8a5a00; }
tr.hidden { display: none; }
</style>
</head>
<body>
<h1>${escapeHtml(run.name)}</h1>
<div class="summary">
<span>result <b id="result" class="result" style="color:${style.color}">${style.mark} ${escapeHtml(run.result)}</b></span>
<span>behavior <b id="behavior">${escapeHtml(run.behavior)}</b></span>
<span>final profile <b id="final-profile">${escapeHtml(run.finalProfile)}</b></span>
<span>duration <b>${formatDuration(run.durationMs ?? lastT)}</b></span>
<span>nodes <b>${nodeNames.length}</b></span>
</div>
${banner}
<ul class="expectations">${expectations}</ul>
<div class="layout">
<section class="timeline-panel">
<div class="legend" id="legend">${legend}</div>
<div class="gantt" id="chart">
<div class="axis"><div class="axis-track">${axis}</div></div>
<div class="body"><div class="overlay">${overlay.join("")}</div>
${rows.join("\n")}
</div>
</div>
</section>
<aside class="plan-panel" id="plan"><h2>Plan</h2>
${planPanel(run.plans ?? [])}
</aside>
</div>
<p><span id="filter-label">All nodes</span> — click a node's row to filter the timeline; click it again to show all.</p>
<table id="timeline"><thead><tr><th>time</th><th>node</th><th>event</th><th>details</th></tr></thead><tbody>
${tableRows}
</tbody></table>
<script>
const data = ${scriptJson({ nodes: nodeNames })};
let selected = null;
for (const row of document.querySelectorAll(".row")) {
  row.addEventListener("click", () => {
    const node = row.dataset.node;
    selected = selected === node ? null : node;
    for (const other of document.querySelectorAll(".row")) other.classList.toggle("selected", other.dataset.node === selected);
    for (const tr of document.querySelectorAll("#timeline tbody tr")) {
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
