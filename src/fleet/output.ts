import { type Colours, outcomeColour, PLAIN } from "../report/colour.js";
import type { ExpectationResult } from "../scenario/expectations.js";
import { formatDuration as formatMs } from "../shared/duration.js";
import { plural } from "../shared/plural.js";
import { textTable } from "../shared/table.js";
import { businessHoursFigure, showsBusinessHours } from "./business-hours.js";
import type { LoadedFleetPlan } from "./load.js";
import { plannerWarningLines } from "./planner-warnings.js";
import type { FleetPlanRun, StrategyRun, TrialRun } from "./result.js";
import { businessHoursLines, siteVersions, templateJson, templateTextLines } from "./template-output.js";
import { timingsText, timingsUsed } from "./timings.js";
import { localTime, utcTime } from "./windows.js";

/** A fleet plan's checked expectation: the same contract as a scenario's (text, JSON and JUnit read it alike). */
export type PlanExpectation = ExpectationResult;

/** Fleet durations to the second: milliseconds are noise over days. */
const formatDuration = (ms: number) => formatMs(Math.round(ms / 1000) * 1000);
const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;
const gbps = (bps: number) => `${Math.round(bps / 1e7) / 100} Gbps`;

export { plural };

/**
 * Node-hours disrupted: the hours each node spent out of service (cordoned to back in service), summed
 * over nodes; one decimal below 10 (a 27-minute repave of two nodes is 0.9, not 0), whole hours above.
 */
export function formatNodeHours(hours: number): string {
  if (hours === 0) return "0";
  if (hours < 10) return String(Math.max(0.1, Math.round(hours * 10) / 10));
  return String(Math.round(hours));
}

/** A trial's sites by how they ended. */
export interface SiteCounts {
  converged: number;
  failed: number;
  blocked: number;
  noWindow: number;
  /** Not started: a halt skipped them. */
  skipped: number;
  rolled: number;
}

export function siteCounts(trial: TrialRun): SiteCounts {
  const counts: SiteCounts = { converged: 0, failed: 0, blocked: 0, noWindow: 0, skipped: 0, rolled: 0 };
  for (const p of trial.schedule.placements) {
    if (p.state === "rolled") {
      counts.rolled++;
      counts[p.result]++;
    } else if (p.state === "unschedulable") counts.noWindow++;
    else if (p.state === "skipped") counts.skipped++;
  }
  return counts;
}

/**
 * The trial's duration in words: when no site rolled, the end is only when the schedule gave up (its
 * horizon), which is no duration, so none is printed.
 */
export function durationText(trial: TrialRun, horizonMs: number): string {
  if (siteCounts(trial).rolled === 0)
    return `none: no site rolled within the ${formatDuration(horizonMs)} horizon (the schedule gave up ${utcTime(trial.endMs)})`;
  return `${formatDuration(trial.durationMs)} (ends ${utcTime(trial.endMs)})`;
}

/** Why a deadline was missed: sites that never rolled, sites that did not converge, or a late end. */
export function deadlineText(trial: TrialRun, deadlineMs: number): string {
  if (trial.deadlineMet) return `deadline ${utcTime(deadlineMs)} met`;
  const counts = siteCounts(trial);
  const why: string[] = [];
  if (trial.endMs > deadlineMs) why.push(`ends ${formatDuration(trial.endMs - deadlineMs)} after it`);
  if (counts.noWindow > 0) why.push(`${plural(counts.noWindow, "site")} never rolled (no window)`);
  if (counts.skipped > 0) why.push(`${plural(counts.skipped, "site")} not started (halted)`);
  if (counts.failed > 0) why.push(`${plural(counts.failed, "site")} failed`);
  if (counts.blocked > 0) why.push(`${plural(counts.blocked, "site")} blocked`);
  return `deadline ${utcTime(deadlineMs)} missed${why.length > 0 ? `: ${why.join(", ")}` : ""}`;
}

/** One site of a trial, as the per-cluster CSV/NDJSON carries it. */
export interface ClusterRow {
  name: string;
  strategy: string;
  wave: string;
  timeZone: string;
  nodes: number;
  state: string;
  result: string;
  behavior: string;
  startUtc: string;
  endUtc: string;
  startLocal: string;
  endLocal: string;
  downloadMs: number;
  durationMs: number;
  overranWindow: boolean;
  faults: string;
  why: string;
  /** The site's versions over time: `v1; v2@2026-12-13T01:12Z`. */
  versions: string;
}

export function* clusterRows(run: FleetPlanRun): Generator<ClusterRow> {
  for (const s of run.strategies) {
    const trial = s.first;
    for (const site of run.plan.sites) {
      const p = trial.schedule.placements[site.index];
      if (!p) continue;
      const o = trial.outcomes.get(site.index);
      const rolled = p.state === "rolled" ? p : undefined;
      yield {
        name: site.name,
        strategy: s.strategy.name,
        wave: p.state === "unselected" ? "" : p.wave,
        timeZone: site.timeZone,
        nodes: site.controlPlanes + site.workers,
        state: p.state,
        result: rolled ? rolled.result : p.state,
        behavior: o?.behavior ?? "",
        startUtc: rolled ? utcTime(rolled.startMs) : "",
        endUtc: rolled ? utcTime(rolled.endMs) : "",
        startLocal: rolled ? localTime(rolled.startMs, site.timeZone) : "",
        endLocal: rolled ? localTime(rolled.endMs, site.timeZone) : "",
        downloadMs:
          rolled?.downloadEndMs !== undefined ? rolled.downloadEndMs - (rolled.downloadStartMs ?? 0) : 0,
        durationMs: rolled ? rolled.endMs - rolled.startMs : 0,
        overranWindow: rolled?.overran ?? false,
        faults: o?.faults.join("; ") ?? "",
        why: p.state === "unschedulable" ? unschedulableWhy(p) : (o?.why ?? ""),
        versions: siteVersions(run.plan, trial, site.index),
      };
    }
  }
}

export function unschedulableWhy(p: {
  needMs: number;
  longestWindowMs: number;
  downloadsCancelled: number;
}): string {
  if (p.downloadsCancelled > 0)
    return `image download cancelled ${p.downloadsCancelled === 1 ? "once" : `${p.downloadsCancelled} times`}: it never finished early enough in a window (registry contention)`;
  return `no window fits — needs ${formatDuration(p.needMs)}, longest ${formatDuration(p.longestWindowMs)}`;
}

const CSV_FIELDS: (keyof ClusterRow)[] = [
  "name",
  "strategy",
  "wave",
  "timeZone",
  "nodes",
  "state",
  "result",
  "behavior",
  "startUtc",
  "endUtc",
  "startLocal",
  "endLocal",
  "downloadMs",
  "durationMs",
  "overranWindow",
  "faults",
  "why",
  "versions",
];

/**
 * A CSV cell. Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a
 * spreadsheet: it is prefixed with `'` and quoted (OWASP, CSV injection). Numbers are written as numbers.
 */
function csvCell(value: unknown): string {
  let text = String(value);
  const formula = typeof value === "string" && /^[=+\-@\t\r]/.test(text);
  if (formula) text = `'${text}`;
  return formula || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function* clusterCsv(run: FleetPlanRun): Generator<string> {
  yield `${CSV_FIELDS.join(",")}\n`;
  for (const row of clusterRows(run)) yield `${CSV_FIELDS.map((f) => csvCell(row[f])).join(",")}\n`;
}

export function* clusterNdjson(run: FleetPlanRun): Generator<string> {
  for (const row of clusterRows(run)) yield `${JSON.stringify(row)}\n`;
}

/** The fleet's result over strategies: the first strategy's first trial (what the calendar shows). */
export function headline(run: FleetPlanRun): { strategy: StrategyRun; trial: TrialRun } {
  const strategy = run.strategies[0] as StrategyRun;
  return { strategy, trial: strategy.first };
}

/** Said after the start when the plan gave none: the default is a choice the reader should see. */
function startNote(plan: LoadedFleetPlan): string {
  return plan.startFrom === "default" ? " (the default: set start: in the plan, or --start)" : "";
}

/** The expectations about one strategy's result: the file's own `result` for the first, `NAME.result`. */
function resultExpectations(
  run: FleetPlanRun,
  strategy: StrategyRun,
  expectations: readonly PlanExpectation[],
): { name: string; passed: boolean }[] {
  return expectations
    .filter(
      (e) =>
        (e.name === "result" && strategy === run.strategies[0]) ||
        e.name === `${strategy.strategy.name}.result`,
    )
    .map((e) => ({ name: "result", passed: e.passed }));
}

/** The first column left-aligned, the others right-aligned (numbers). */
function rightAligned(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

const MAX_FAILED_LISTED = 10;

/** The screen-sized summary: headline, waves table, counts, failed sites with why, calendar, risk, comparison. */
export function formatPlanText(run: FleetPlanRun, expectations: readonly PlanExpectation[]): string {
  return [...planTextPieces(run, expectations)].join("");
}

/**
 * `formatPlanText` section by section: its size does not grow with the fleet (per-site lines are
 * capped), and it is written as it is made.
 */
export function* planTextPieces(
  run: FleetPlanRun,
  expectations: readonly PlanExpectation[],
  c: Colours = PLAIN,
): Generator<string> {
  const plan = run.plan;
  const lines: string[] = [];
  const flush = () => {
    const text = lines.length > 0 ? `${lines.join("\n")}\n` : "";
    lines.length = 0;
    return text;
  };
  const zones = new Set(plan.sites.map((s) => s.timeZone));
  lines.push(`fleet          ${plan.name}`);
  lines.push(
    `sites          ${plan.sites.length} (${plural(run.nodes, "node")}, ${plural(zones.size, "time zone")})`,
  );
  lines.push(
    `update         ${run.behavior}${plan.imageGiB > 0 ? `, image ${plan.imageGiB} GiB` : ""}${plan.registryGbps !== undefined ? `, registry ${plan.registryGbps} Gbps` : ""}${plan.prefetch ? ", prefetch" : ""}`,
  );
  lines.push(`timings        ${timingsText(timingsUsed(plan))}`);
  const templatesOnly = plan.strategies.every((x) => x.template !== undefined);
  // With no window anywhere, the window mode says nothing: sites roll at any time.
  const windowless = plan.sites.every((site) => site.window.rules.length === 0);
  lines.push(
    `start          ${utcTime(plan.startMs)}${startNote(plan)}   windows: ${templatesOnly ? "the template's maintenance policy (UTC)" : windowless ? "none (sites roll at any time)" : plan.windowMode}`,
  );
  lines.push(...plannerWarningLines(run.warnings));
  for (const s of run.strategies) {
    const trial = s.first;
    lines.push("");
    if (run.strategies.length > 1 || s.strategy.name !== "strategy")
      lines.push(`strategy ${s.strategy.name}`);
    lines.push(
      `result         ${outcomeColour(trial.result, resultExpectations(run, s, expectations), c)(trial.result)}${trial.schedule.halted ? ` in wave ${trial.schedule.halted.wave} at ${utcTime(trial.schedule.halted.atMs)}` : ""}`,
    );
    if (s.strategy.template) {
      lines.push(
        `duration       ${formatDuration(trial.durationMs)} (ends ${utcTime(trial.endMs)})   node-hours disrupted ${formatNodeHours(trial.disruptedNodeHours)}`,
      );
      lines.push(...templateTextLines(s));
      lines.push(...businessHoursLines(businessHoursFigure(plan, trial)));
      yield flush();
      continue;
    }
    lines.push(
      `duration       ${durationText(trial, plan.horizonMs)}${s.strategy.deadlineMs !== undefined ? `, ${deadlineText(trial, s.strategy.deadlineMs)}` : ""}`,
    );
    lines.push(
      `peak registry  ${gbps(trial.schedule.peakRegistryBps)}   max sites at once ${trial.schedule.maxConcurrent}   node-hours disrupted ${formatNodeHours(trial.disruptedNodeHours)}`,
    );
    lines.push("");
    lines.push(
      ...textTable([
        ["wave", "sites", "start (UTC)", "end (UTC)", "conv", "fail", "block", "skip", "no window", "max"],
        ...trial.schedule.waves.map((w) => [
          w.name,
          String(w.sites),
          utcTime(w.startMs),
          utcTime(w.endMs),
          String(w.counts.converged),
          String(w.counts.failed),
          String(w.counts.blocked),
          String(w.counts.skipped),
          String(w.counts.unschedulable),
          String(w.maxConcurrent),
        ]),
      ]).map((l) => `  ${l}`),
    );
    const byBehavior = new Map<string, number>();
    for (const o of trial.outcomes.values())
      byBehavior.set(o.behavior, (byBehavior.get(o.behavior) ?? 0) + 1);
    if (byBehavior.size > 0)
      lines.push(`  behaviors: ${[...byBehavior].map(([b, n]) => `${b} ${n}`).join(", ")}`);
    const outages = [...trial.outcomes.values()].flatMap((o) =>
      o.writeOutageMs !== undefined ? [o.writeOutageMs] : [],
    );
    if (outages.length > 0)
      lines.push(
        `  write outage: ${plural(outages.length, "two-node site")}, at most ${formatDuration(Math.max(...outages))} each (writes unavailable while the leader is down; per site in --clusters-csv)`,
      );
    if (s.strategy.unselected.length > 0)
      lines.push(`  ${plural(s.strategy.unselected.length, "site")} in no wave (not rolled)`);
    // The calendar: when each zone's sites rolled, in local time.
    const perZone = new Map<string, { first: number; last: number; n: number }>();
    trial.schedule.placements.forEach((p, i) => {
      if (p.state !== "rolled") return;
      const zone = plan.sites[i]?.timeZone as string;
      const z = perZone.get(zone) ?? { first: p.startMs, last: p.endMs, n: 0 };
      z.first = Math.min(z.first, p.startMs);
      z.last = Math.max(z.last, p.endMs);
      z.n++;
      perZone.set(zone, z);
    });
    if (perZone.size > 0) {
      lines.push("", "  calendar (local time)");
      lines.push(
        ...textTable([
          ["zone", "sites", "first start", "last end"],
          ...[...perZone]
            .sort()
            .map(([zone, z]) => [zone, String(z.n), localTime(z.first, zone), localTime(z.last, zone)]),
        ]).map((l) => `    ${l}`),
      );
    }
    // Counted over every site, listed for the first few only.
    const problems: string[] = [];
    let problemCount = 0;
    let refusedCount = 0;
    for (const site of plan.sites) {
      const p = trial.schedule.placements[site.index];
      const problem =
        p?.state === "unschedulable"
          ? `${site.name} (${site.timeZone}, ${site.window.text}): ${unschedulableWhy(p)}`
          : p?.state === "rolled" && p.result !== "converged"
            ? `${site.name} (${p.wave}): ${p.result} — ${trial.outcomes.get(site.index)?.why ?? ""}`
            : p?.state === "rolled" && trial.outcomes.get(site.index)?.refused
              ? `${site.name} (${p.wave}): update refused, stays on ${site.profile} — ${trial.outcomes.get(site.index)?.why ?? ""}`
              : undefined;
      if (problem === undefined) continue;
      problemCount++;
      if (p?.state === "rolled" && p.result === "converged") refusedCount++;
      if (problems.length < MAX_FAILED_LISTED) problems.push(problem);
    }
    if (problemCount > 0) {
      const heading = refusedCount > 0 ? "sites not converged or refused" : "sites not converged";
      lines.push("", `  ${heading} (${problemCount})`);
      for (const p of problems) lines.push(`    ${p}`);
      if (problemCount > MAX_FAILED_LISTED)
        lines.push(`    … ${problemCount - MAX_FAILED_LISTED} more (--clusters-csv FILE lists every site)`);
    }
    const overran = trial.schedule.placements.filter((p) => p.state === "rolled" && p.overran).length;
    if (overran > 0)
      lines.push(
        `  ${plural(overran, "site")} ran past the end of ${overran === 1 ? "its" : "their"} window`,
      );
    if (showsBusinessHours(plan)) lines.push(...businessHoursLines(businessHoursFigure(plan, trial)));
    if (s.trials.length > 1) {
      const r = s.risk;
      const rows: string[][] = [
        [`risk over ${s.trials.length} trials`, "p50", "p90", "p99"],
        ["  duration", ...[r.durationMs.p50, r.durationMs.p90, r.durationMs.p99].map(formatDuration)],
        ["  end date (UTC)", ...[r.endMs.p50, r.endMs.p90, r.endMs.p99].map(utcTime)],
        ["  failed sites", ...[r.failedSites.p50, r.failedSites.p90, r.failedSites.p99].map(String)],
        [
          "  node-hours disrupted",
          ...[r.disruptedNodeHours.p50, r.disruptedNodeHours.p90, r.disruptedNodeHours.p99].map(
            formatNodeHours,
          ),
        ],
        [
          "  peak registry Gbps",
          ...[r.peakRegistryGbps.p50, r.peakRegistryGbps.p90, r.peakRegistryGbps.p99].map((n) =>
            String(Math.round(n * 100) / 100),
          ),
        ],
      ];
      const label = Math.max(...rows.map((row) => (row[0] as string).length));
      lines.push("", ...rightAligned(rows).map((l) => `  ${l}`));
      lines.push(
        `  ${"  halt probability".padEnd(label)}  ${pct(r.haltProbability)}${
          Object.keys(r.haltedIn).length > 0
            ? ` (${Object.entries(r.haltedIn)
                .map(([w, p]) => `${w} ${pct(p)}`)
                .join(", ")})`
            : ""
        }`,
      );
      if (r.deadlineMetProbability !== undefined)
        lines.push(`  ${"  deadline met".padEnd(label)}  ${pct(r.deadlineMetProbability)}`);
    }
    yield flush();
  }
  if (run.strategies.length > 1) {
    lines.push("", "compare");
    let horizonNote = false;
    lines.push(
      ...textTable([
        [
          "strategy",
          "conv",
          "fail",
          "block",
          "no window",
          "p50",
          "p90",
          "halt",
          "failed (mean)",
          "peak Gbps",
          "deadline ≥95%",
        ],
        ...run.strategies.map((s) => {
          const counts = siteCounts(s.first);
          // Trials in which nothing rolled end at the horizon: that is no duration.
          const noneRolled = s.trials.some((t) => t.rolled === 0);
          if (noneRolled) horizonNote = true;
          return [
            s.strategy.name,
            String(counts.converged),
            String(counts.failed),
            String(counts.blocked),
            String(counts.noWindow),
            noneRolled ? "-" : formatDuration(s.risk.durationMs.p50),
            noneRolled ? "-" : formatDuration(s.risk.durationMs.p90),
            pct(s.risk.haltProbability),
            String(Math.round(s.risk.failedSites.mean * 10) / 10),
            String(Math.round(s.risk.peakRegistryGbps.p50 * 100) / 100),
            s.risk.deadlineMetProbability === undefined
              ? "-"
              : s.risk.deadlineMetProbability >= 0.95
                ? "yes"
                : `no (${pct(s.risk.deadlineMetProbability)})`,
          ];
        }),
      ]).map((l) => `  ${l}`),
    );
    lines.push(
      `  sites of the first trial; p50/p90: duration over ${plural(plan.trials, "trial")}${horizonNote ? " (-: in some trial no site rolled before the horizon, so there is no duration)" : ""}`,
    );
  }
  if (expectations.length > 0) {
    lines.push("", "expectations");
    for (const e of expectations)
      lines.push(
        e.passed ? `  ${c.pass("✓")} ${e.name}: ${e.message}` : c.fail(`  ✗ ${e.name}: ${e.message}`),
      );
  }
  yield flush();
}

/** `--json`: the contract's summary first, then waves, risk and comparison (per-cluster rows stay out: --clusters-ndjson). */
export function planJson(run: FleetPlanRun, expectations: readonly PlanExpectation[]): object {
  const { strategy, trial } = headline(run);
  const plan: LoadedFleetPlan = run.plan;
  const strategyJson = (s: StrategyRun) => ({
    name: s.strategy.name,
    result: s.first.result,
    durationMs: s.first.durationMs,
    start: new Date(plan.startMs).toISOString(),
    end: new Date(s.first.endMs).toISOString(),
    ...(s.strategy.deadlineMs !== undefined
      ? { deadline: new Date(s.strategy.deadlineMs).toISOString(), deadlineMet: s.first.deadlineMet }
      : {}),
    halted: s.first.schedule.halted
      ? {
          wave: s.first.schedule.halted.wave,
          at: new Date(s.first.schedule.halted.atMs).toISOString(),
          failed: s.first.schedule.halted.failed,
        }
      : null,
    peakRegistryGbps: s.first.schedule.peakRegistryBps / 1e9,
    maxConcurrent: s.first.schedule.maxConcurrent,
    disruptedNodeHours: s.first.disruptedNodeHours,
    waves: s.first.schedule.waves.map((w) => ({
      ...w,
      start: new Date(w.startMs).toISOString(),
      end: new Date(w.endMs).toISOString(),
    })),
    trials: s.trials.length,
    risk: s.risk,
    ...(showsBusinessHours(plan) ? { localTime: businessHoursFigure(plan, s.first) } : {}),
    ...(s.strategy.template ? { template: templateJson(s) } : {}),
  });
  return {
    name: plan.name,
    summary: {
      clusters: plan.sites.length,
      nodes: run.nodes,
      result: trial.result,
      durationMs: trial.durationMs,
      start: new Date(plan.startMs).toISOString(),
      startFrom: plan.startFrom,
      timings: timingsUsed(plan),
      behavior: run.behavior,
      strategy: strategy.strategy.name,
      seed: plan.seed,
      trials: plan.trials,
      ...(plan.trials > 1 ? { risk: strategy.risk } : {}),
    },
    ...(run.warnings.length > 0 ? { warnings: run.warnings } : {}),
    strategies: run.strategies.map(strategyJson),
    expectations,
    passed: expectations.every((e) => e.passed),
  };
}
