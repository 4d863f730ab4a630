import * as Plot from "@observablehq/plot";
import { rolloutRule, rolloutRuleSource, rolloutRuleUrl } from "../rules/rollout-rules.js";
import { formatDuration } from "../shared/duration.js";
import { deadlineText, durationText, plural, unschedulableWhy } from "./output.js";
import type { FleetPlanRun, StrategyRun } from "./result.js";
import { svgOf as chartSvg, esc } from "./svg.js";
import { templateCalendar } from "./template-html.js";
import { utcTime } from "./windows.js";

/**
 * `edgesim report FLEET -o fleet.html`: one self-contained page (static SVG drawn at report time with
 * Observable Plot, no scripts, no network). One section per strategy: its waves on a calendar, sites
 * completed over time (a step line: a count only changes when a site ends), sites disrupted per hour by
 * time zone, registry throughput, the rollout duration over trials (a histogram only when there are
 * several trials), and the sites that did not converge (failed, blocked, or no window fits).
 */

const HOUR = 3_600_000;
const COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/**
 * A chart of this page: 260 px high, room for the count labels on the left, and on the right for half of a
 * time tick's label (`12-07 08:00` is about 66 px wide at 12 px, centred on its tick): the time axis often ends
 * on a tick, whose label Plot's default 20 px would cut.
 */
function svgOf(options: Plot.PlotOptions): string {
  return chartSvg({ height: 260, marginLeft: 64, marginRight: 40, ...options });
}

const date = (ms: number) => new Date(ms);

/** UTC ticks as `MM-DD HH:MM` (24-hour, as every other time edgesim prints), the date alone at midnight. */
function utcTick(d: Date): string {
  const iso = d.toISOString();
  return iso.slice(11, 16) === "00:00" ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** Counts are whole: ticks at whole numbers only (Plot would put some at 0.5). */
function countAxis(label: string, max: number): Plot.ScaleOptions {
  const top = Math.max(1, max);
  const step = Math.max(1, Math.ceil(top / 8));
  const ticks: number[] = [];
  for (let t = 0; t <= top; t += step) ticks.push(t);
  return { label, domain: [0, top], grid: true, ticks, tickFormat: "d" };
}

interface SiteRow {
  name: string;
  timeZone: string;
  state: string;
  detail: string;
}

function strategySection(run: FleetPlanRun, strategy: StrategyRun, index: number): string {
  const plan = run.plan;
  const trial = strategy.first;
  const t0 = plan.startMs;
  // The time axis ends on a whole hour after the trial's end, so the last hour of "sites disrupted per
  // hour" is drawn inside the chart.
  const t1 = t0 + Math.max(1, Math.ceil((trial.endMs - t0) / HOUR)) * HOUR;
  const xDomain = [date(t0), date(t1)];
  const time: Plot.ScaleOptions = {
    type: "utc",
    domain: xDomain,
    label: "time (UTC)",
    grid: true,
    ticks: 6,
    tickFormat: utcTick,
  };
  const rolled = trial.schedule.placements.flatMap((p, i) =>
    p.state === "rolled" ? [{ ...p, site: plan.sites[i] }] : [],
  );
  const id = (name: string) => `${name}-${index}`;
  const parts: string[] = [];

  // A template: its windows and each time zone's version, in place of waves.
  const template = templateCalendar(plan, trial, time, t1, COLORS);
  if (template) parts.push(figure(id("template"), template.title, svgOf(template.options)));

  // Waves on a calendar.
  const waves = trial.schedule.waves.map((w) => ({
    ...w,
    start: date(w.startMs),
    end: date(Math.max(w.endMs, w.startMs + 60_000)),
  }));
  if (!template)
    parts.push(
      figure(
        id("calendar"),
        "Waves on the calendar",
        svgOf({
          height: 60 + 32 * Math.max(1, waves.length),
          x: time,
          y: { label: "wave", domain: waves.map((w) => w.name) },
          color: { domain: waves.map((w) => w.name), range: COLORS },
          marks: [
            Plot.barX(waves, {
              x1: "start",
              x2: "end",
              y: "name",
              fill: "name",
              className: "wave",
              title: (w: (typeof waves)[number]) =>
                `${w.name}: ${plural(w.sites, "site")}, ${utcTime(w.startMs)} → ${utcTime(w.endMs)}`,
            }),
          ],
        }),
      ),
    );

  // Sites completed over time, as steps: the count changes only when a site ends.
  const total = plan.sites.length;
  const ends = rolled
    .filter((r) => r.result === "converged")
    .map((r) => r.endMs)
    .sort((a, b) => a - b);
  const steps = [
    { t: date(t0), n: 0 },
    ...ends.map((e, i) => ({ t: date(e), n: i + 1 })),
    { t: date(t1), n: ends.length },
  ];
  parts.push(
    figure(
      id("completion"),
      `Sites converged over time (${ends.length} of ${total})`,
      svgOf({
        x: time,
        y: countAxis("sites converged", total),
        marks: [
          Plot.ruleY([total], { stroke: "#999", strokeDasharray: "4,3" }),
          Plot.line(steps, {
            x: "t",
            y: "n",
            curve: "step-after",
            stroke: COLORS[0],
            strokeWidth: 2,
            className: "completion",
          }),
        ],
      }),
    ),
  );

  // Sites disrupted per hour, by time zone (stacked).
  const perHour = new Map<string, { hour: Date; zone: string; sites: number }>();
  for (const r of rolled) {
    const zone = r.site?.timeZone ?? "";
    for (let h = Math.floor((r.startMs - t0) / HOUR); h < Math.ceil((r.endMs - t0) / HOUR); h++) {
      const key = `${h}\u0000${zone}`;
      const cell = perHour.get(key) ?? { hour: date(t0 + h * HOUR), zone, sites: 0 };
      cell.sites++;
      perHour.set(key, cell);
    }
  }
  const zones = [...new Set(plan.sites.map((s) => s.timeZone))].sort();
  const cells = [...perHour.values()].sort(
    (a, b) => a.hour.getTime() - b.hour.getTime() || a.zone.localeCompare(b.zone),
  );
  parts.push(
    cells.length === 0
      ? `<section id="${id("disruption")}"><h3>Sites disrupted per hour, by time zone</h3><p class="single">No site was disrupted: none rolled in this trial.</p></section>`
      : figure(
          id("disruption"),
          "Sites disrupted per hour, by time zone",
          svgOf({
            x: time,
            y: countAxis("sites disrupted", peakOf(cells)),
            color: { domain: zones, range: COLORS, legend: true },
            marks: [
              Plot.rectY(cells, {
                x1: "hour",
                x2: (d: (typeof cells)[number]) => date(d.hour.getTime() + HOUR),
                y: "sites",
                fill: "zone",
                className: "disrupted",
                title: (d: (typeof cells)[number]) =>
                  `${d.zone}: ${plural(d.sites, "site")} at ${utcTime(d.hour.getTime())}`,
              }),
              Plot.ruleY([0]),
            ],
          }),
        ),
  );

  // Registry throughput (steps); none to draw when the plan downloads no image.
  const reg = trial.schedule.registry.map((p) => ({ t: date(p.t), gbps: p.bps / 1e9 }));
  reg.push({ t: date(t1), gbps: reg[reg.length - 1]?.gbps ?? 0 });
  const peakGbps = Math.round(trial.schedule.peakRegistryBps / 1e7) / 100;
  parts.push(
    plan.imageGiB === 0
      ? `<section id="${id("registry")}"><h3>Registry throughput</h3><p class="single">No image download: the plan has no <code>image:</code>, so no site pulls from a registry.</p></section>`
      : figure(
          id("registry"),
          `Registry throughput (peak ${peakGbps} Gbps)`,
          svgOf({
            x: time,
            y: { label: "Gbps", grid: true, nice: true, domain: [0, peakGbps > 0 ? peakGbps : 1] },
            marks: [
              Plot.line(reg, {
                x: "t",
                y: "gbps",
                curve: "step-after",
                stroke: COLORS[5],
                className: "registry",
              }),
              Plot.ruleY([0]),
            ],
          }),
        ),
  );

  // Duration over trials: a histogram only when there is a distribution to draw.
  if (strategy.trials.length > 1) {
    const durations = strategy.trials.map((t) => ({ hours: t.durationMs / HOUR, result: t.result }));
    parts.push(
      figure(
        id("histogram"),
        `Rollout duration over ${strategy.trials.length} trials`,
        svgOf({
          x: { label: "rollout duration", ticks: 5, tickFormat: (h: number) => formatDuration(h * HOUR) },
          y: countAxis("trials", strategy.trials.length),
          marks: [
            Plot.rectY(durations, {
              ...Plot.binX(
                { y: "count", title: (bin: unknown[]) => plural(bin.length, "trial") },
                { x: "hours" },
              ),
              fill: COLORS[2],
              className: "bin",
              inset: 1,
            }),
            Plot.ruleY([0]),
          ],
        }),
        `<p>p50 ${esc(formatDuration(strategy.risk.durationMs.p50))}, p90 ${esc(formatDuration(strategy.risk.durationMs.p90))}, p99 ${esc(formatDuration(strategy.risk.durationMs.p99))}.</p>`,
      ),
    );
  } else {
    parts.push(
      `<section id="${id("histogram")}"><h3>Rollout duration</h3><p class="single">One trial: ${trial.result === "converged" ? `the rollout took ${esc(formatDuration(trial.durationMs))}` : `the rollout ended ${esc(trial.result)}, so it has no duration`}. Run with <code>--trials N</code> (or <code>trials:</code> in the plan) to see how that varies with faults.</p></section>`,
    );
  }

  // Sites that did not converge.
  const problems: SiteRow[] = [];
  trial.schedule.placements.forEach((p, i) => {
    const site = plan.sites[i];
    if (!site) return;
    if (p.state === "rolled" && p.result !== "converged")
      problems.push({
        name: site.name,
        timeZone: site.timeZone,
        state: p.result,
        detail: `wave ${p.wave}, ${utcTime(p.startMs)} → ${utcTime(p.endMs)}`,
      });
    else if (p.state === "unschedulable")
      problems.push({
        name: site.name,
        timeZone: site.timeZone,
        state: "no window",
        detail: unschedulableWhy(p),
      });
    else if (p.state === "skipped")
      problems.push({
        name: site.name,
        timeZone: site.timeZone,
        state: "not started",
        detail: `wave ${p.wave} (the rollout halted)`,
      });
  });
  const rows = (list: SiteRow[]) =>
    list
      .map(
        (r) =>
          `<tr><td>${esc(r.name)}</td><td>${esc(r.timeZone)}</td><td>${esc(r.state)}</td><td>${esc(r.detail)}</td></tr>`,
      )
      .join("");
  const SHOWN = 20;
  const table = problems.length
    ? `<table id="${id("problems")}" class="problems"><thead><tr><th>site</th><th>time zone</th><th>state</th><th>why</th></tr></thead><tbody>${rows(problems.slice(0, SHOWN))}</tbody></table>${
        problems.length > SHOWN
          ? `<details><summary>${problems.length - SHOWN} more</summary><table class="problems"><tbody>${rows(problems.slice(SHOWN))}</tbody></table></details>`
          : ""
      }`
    : `<p id="${id("problems")}">Every site converged.</p>`;
  parts.push(`<section><h3>Sites that did not converge (${problems.length})</h3>${table}</section>`);
  const outages = writeOutageSection(run, trial, id("write-outage"));
  if (outages) parts.push(outages.section);

  const counts = countsOf(strategy);
  return `<section class="strategy" id="strategy-${index}" data-strategy="${esc(strategy.strategy.name)}">
<h2>Strategy: ${esc(strategy.strategy.name)}</h2>
<p class="summary">${esc(trial.result)} — ${counts.converged} converged, ${counts.failed} failed, ${counts.blocked} blocked, ${counts.noWindow} with no window, ${counts.notStarted} not started. Duration ${esc(durationText(trial, plan.horizonMs))}${strategy.strategy.deadlineMs !== undefined ? `; ${esc(deadlineText(trial, strategy.strategy.deadlineMs))}` : ""}.${outages ? ` ${esc(outages.summary)}` : ""}${strategy.trials.length > 1 ? ` The charts show trial 1 of ${strategy.trials.length}.` : ""}</p>
${parts.join("\n")}
</section>`;
}

/**
 * The two-node sites of a trial and how long each one's writes were unavailable (its leader down), with the
 * rule's citation; none when no site is two-node (or every two-node site's update was refused).
 */
function writeOutageSection(
  run: FleetPlanRun,
  trial: StrategyRun["first"],
  id: string,
): { section: string; summary: string } | undefined {
  const sites = [...trial.outcomes.entries()]
    .flatMap(([i, o]) => {
      const site = run.plan.sites[i];
      return site && o.writeOutageMs !== undefined
        ? [{ i, site, ms: o.writeOutageMs, result: o.result }]
        : [];
    })
    .sort((a, b) => a.i - b.i);
  if (sites.length === 0) return undefined;
  const rule = rolloutRule("two-node.write-outage");
  const longest = Math.max(...sites.map((s) => s.ms));
  const row = (s: (typeof sites)[number]) =>
    `<tr><td>${esc(s.site.name)}</td><td>${esc(s.site.timeZone)}</td><td>${esc(s.result)}</td><td>${esc(formatDuration(s.ms))}</td></tr>`;
  const SHOWN = 20;
  const head =
    "<thead><tr><th>site</th><th>time zone</th><th>result</th><th>writes unavailable</th></tr></thead>";
  const section = `<section id="${id}"><h3>Write outage at two-node sites (${sites.length})</h3>
<p class="rule">While a two-node cluster's leader is down, writes are unavailable and reads are served (rule <code>${esc(rule.id)}</code>, <a href="${esc(rolloutRuleUrl(rule))}">${esc(rolloutRuleSource(rule))}</a>). Each site's total over its rollout:</p>
<table class="outages">${head}<tbody>${sites.slice(0, SHOWN).map(row).join("")}</tbody></table>${
    sites.length > SHOWN
      ? `<details><summary>${sites.length - SHOWN} more</summary><table class="outages"><tbody>${sites.slice(SHOWN).map(row).join("")}</tbody></table></details>`
      : ""
  }</section>`;
  return {
    section,
    summary: `Writes unavailable at ${plural(sites.length, "two-node site")}, at most ${formatDuration(longest)} each (the leader down).`,
  };
}

/** The most sites disrupted in one hour, all zones stacked. */
function peakOf(cells: readonly { hour: Date; sites: number }[]): number {
  const perHour = new Map<number, number>();
  for (const c of cells) perHour.set(c.hour.getTime(), (perHour.get(c.hour.getTime()) ?? 0) + c.sites);
  let peak = 0;
  for (const n of perHour.values()) peak = Math.max(peak, n);
  return peak;
}

function countsOf(strategy: StrategyRun) {
  const c = { converged: 0, failed: 0, blocked: 0, noWindow: 0, notStarted: 0 };
  for (const p of strategy.first.schedule.placements) {
    if (p.state === "rolled") c[p.result]++;
    else if (p.state === "unschedulable") c.noWindow++;
    else if (p.state === "skipped") c.notStarted++;
  }
  return c;
}

function figure(id: string, title: string, svg: string, extra = ""): string {
  return `<section id="${id}" class="chart"><h3>${esc(title)}</h3>${svg}${extra}</section>`;
}

/**
 * The planner's warnings, as the text summary and `--json` give them (once per profile pair and mode, with
 * the sites that roll it): nothing when there are none.
 */
function warningsSection(run: FleetPlanRun): string {
  if (run.warnings.length === 0) return "";
  const items = run.warnings.map((w) => {
    const plans = w.plans
      .map(
        (p) =>
          `${esc(p.from)} → ${esc(p.to)} (${plural(p.sites, "site")}, ${p.mode === null ? "no mode given" : `mode ${esc(p.mode)}`})`,
      )
      .join("; ");
    return `<li><span class="plans">${plans}</span>: ${esc(w.text)}</li>`;
  });
  return `<section id="warnings"><h2>Warnings from the plans (${run.warnings.length})</h2>
<p>What <code>edgesim plan</code> prints for these profiles, once per profile pair and delivery mode, not per site.</p>
<ul>${items.join("")}</ul></section>
`;
}

export function renderFleetHtml(run: FleetPlanRun): string {
  const plan = run.plan;
  const names = run.strategies.map((s) => s.strategy.name);
  const overview = run.strategies
    .map((s) => {
      const c = countsOf(s);
      return `<tr><td><a href="#strategy-${run.strategies.indexOf(s)}">${esc(s.strategy.name)}</a></td><td>${esc(s.first.result)}</td><td>${c.converged}</td><td>${c.failed}</td><td>${c.blocked}</td><td>${c.noWindow}</td><td>${c.notStarted}</td><td>${s.first.result === "converged" ? esc(formatDuration(s.first.durationMs)) : "—"}</td></tr>`;
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(plan.name)} — fleet rollout</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222}h1{font-size:22px}h2{font-size:18px;margin:28px 0 6px;border-top:1px solid #ccc;padding-top:12px}h3{font-size:15px;margin:18px 0 4px}
svg{max-width:100%;height:auto}figure{margin:0}table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #ddd}th{background:#f4f4f4}
td:nth-child(n+3){text-align:right}.problems td{text-align:left}.problems td:nth-child(-n+3){white-space:nowrap}.outages td:nth-child(3){text-align:left}
</style></head><body>
<h1>${esc(plan.name)}</h1>
<p id="summary">${plural(plan.sites.length, "site")}, ${plural(run.nodes, "node")}, update behavior ${esc(run.behavior)}; ${plural(run.strategies.length, "strategy", "strategies")} (${esc(names.join(", "))}), ${plural(plan.trials, "trial")}; starts ${esc(utcTime(plan.startMs))}.</p>
<table id="overview"><thead><tr><th>strategy</th><th>result</th><th>converged</th><th>failed</th><th>blocked</th><th>no window</th><th>not started</th><th>duration</th></tr></thead><tbody>${overview}</tbody></table>
${warningsSection(run)}${run.strategies.map((s, i) => strategySection(run, s, i)).join("\n")}
</body></html>
`;
}
