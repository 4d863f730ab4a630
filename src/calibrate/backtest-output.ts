import * as Plot from "@observablehq/plot";
import { svgOf as chartSvg, esc } from "../fleet/svg.js";
import { utcTime } from "../fleet/windows.js";
import { formatDuration } from "../shared/duration.js";
import { plural } from "../shared/plural.js";
import { textTable } from "../shared/table.js";
import type { Backtest, SiteForecast } from "./backtest.js";

/** `edgesim backtest`'s text, JSON and HTML page. */

const seconds = (ms: number) => formatDuration(Math.round(ms / 1000) * 1000);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function fittedLine(b: Backtest): string {
  const steps = b.calibration.steps.map(({ step, fit }) =>
    "tooFew" in fit
      ? `${step} n=${fit.n} (too few: the default)`
      : `${step} median ${seconds(fit.medianMs)}, p90 ${seconds(fit.p90Ms)} (${fit.kind === "lognormal" ? "log-normal" : "quantiles"}, n=${fit.n})`,
  );
  return steps.join("; ");
}

export function backtestText(b: Backtest): string {
  const out: string[] = [];
  const forecast = b.rollouts.length;
  out.push(
    `Fitted on ${plural(b.training.rollouts, "rollout")} before ${utcTime(b.trainUntilMs)} (${b.training.intervals} step intervals): ${fittedLine(b)}.`,
  );
  const rates = Object.entries(b.timings.failureRate).map(([k, v]) => `${pct(v)} per ${k} attempt`);
  const classes = b.calibration.classes;
  out.push(
    `Failure: ${rates.join(", ") || "none seen"}; up to ${b.retries} retr${b.retries === 1 ? "y" : "ies"} per node.${classes.length > 0 ? ` Classes (${classes[0]?.label}): ${classes.map((k) => `${k.value} ${k.source === "class" ? "own fit" : "pooled fit"}`).join(", ")}.` : ""}`,
  );
  out.push(
    `Forecast ${plural(forecast, "rollout")}, ${plural(b.sites.length, "site")} with history, ${b.trials} trials per site (seed ${b.seed}).`,
  );
  out.push("");
  const n = b.sites.length;
  const count = (f: (s: SiteForecast) => boolean) => b.sites.filter(f).length;
  out.push("interval  nominal  covered");
  out.push(`50 %      50 %     ${pct(b.coverage50).padEnd(7)} (${count((s) => s.in50)} of ${n} sites)`);
  out.push(`90 %      90 %     ${pct(b.coverage90).padEnd(7)} (${count((s) => s.in90)} of ${n} sites)`);
  out.push(`median absolute percentage error of the forecast median: ${pct(b.mdape)}`);
  out.push("");
  const rows = [
    ["rollout", "sites", "forecast end p5", "p50", "p95", "actual end", "in 90 %"],
    ...b.rollouts.map((r) => [
      r.name,
      String(r.sites - r.unseen.length) + (r.unseen.length > 0 ? ` (+${r.unseen.length} unseen)` : ""),
      utcTime(r.endP5),
      clock(r.endP50),
      clock(r.endP95),
      utcTime(r.actualEndMs),
      r.inside90 ? "yes" : "no",
    ]),
  ];
  out.push(...textTable(rows));
  const missed = b.sites.filter((s) => !s.in90);
  if (missed.length > 0) {
    out.push("");
    out.push(`outside the 90 % interval (${missed.length}):`);
    for (const s of missed.slice(0, 10))
      out.push(
        `  ${s.rollout} ${s.site}: actual ${seconds(s.actualMs)}, forecast ${seconds(s.p5)}–${seconds(s.p95)}`,
      );
    if (missed.length > 10) out.push(`  … and ${missed.length - 10} more (--json lists every site)`);
  }
  return `${out.join("\n")}\n`;
}

const round = (x: number) => Number(x.toFixed(5));

export function backtestJson(b: Backtest): unknown {
  return {
    trainUntil: new Date(b.trainUntilMs).toISOString(),
    trials: b.trials,
    seed: b.seed,
    training: b.training,
    fitted: Object.fromEntries(
      b.calibration.steps.map(({ step, fit }) => [
        step,
        "tooFew" in fit
          ? { n: fit.n, tooFew: true }
          : { n: fit.n, kind: fit.kind, medianMs: Math.round(fit.medianMs), p90Ms: Math.round(fit.p90Ms) },
      ]),
    ),
    failureRate: b.timings.failureRate,
    retries: b.retries,
    coverage: {
      "50": { nominal: 0.5, actual: round(b.coverage50) },
      "90": { nominal: 0.9, actual: round(b.coverage90) },
    },
    mdape: round(b.mdape),
    rollouts: b.rollouts.map((r) => ({
      name: r.name,
      behavior: r.behavior,
      from: new Date(r.fromMs).toISOString(),
      sites: r.sites,
      unseen: r.unseen,
      forecastEnd: {
        p5: new Date(Math.round(r.endP5)).toISOString(),
        p50: new Date(Math.round(r.endP50)).toISOString(),
        p95: new Date(Math.round(r.endP95)).toISOString(),
      },
      actualEnd: new Date(Math.round(r.actualEndMs)).toISOString(),
      inside90: r.inside90,
    })),
    sites: b.sites.map((s) => ({
      rollout: s.rollout,
      site: s.site,
      ...(s.class !== undefined ? { class: s.class } : {}),
      actualMs: Math.round(s.actualMs),
      forecastMs: {
        p5: Math.round(s.p5),
        p25: Math.round(s.p25),
        p50: Math.round(s.p50),
        p75: Math.round(s.p75),
        p95: Math.round(s.p95),
      },
      in50: s.in50,
      in90: s.in90,
      ape: round(s.ape),
    })),
  };
}

/** A chart of this page: room for the site names on the left. */
function svgOf(options: Plot.PlotOptions): string {
  return chartSvg({ marginLeft: 90, ...options });
}

const MIN = 60_000;

/** One rollout's sites: the forecast's 90 % interval (thin), 50 % interval (thick), median (tick), actual (dot). */
function rolloutChart(sites: readonly SiteForecast[]): string {
  const rows = sites.map((s) => ({
    site: s.site,
    p5: s.p5 / MIN,
    p25: s.p25 / MIN,
    p50: s.p50 / MIN,
    p75: s.p75 / MIN,
    p95: s.p95 / MIN,
    actual: s.actualMs / MIN,
    inside: s.in90 ? "inside the 90 % interval" : "outside the 90 % interval",
  }));
  return svgOf({
    height: 40 + rows.length * 16,
    x: { label: "site duration (minutes)", grid: true, nice: true },
    y: { label: null, domain: rows.map((r) => r.site) },
    color: {
      domain: ["inside the 90 % interval", "outside the 90 % interval"],
      range: ["#009E73", "#D55E00"],
      legend: true,
    },
    marks: [
      Plot.ruleY(rows, { y: "site", x1: "p5", x2: "p95", stroke: "#9bb8d3", strokeWidth: 3 }),
      Plot.ruleY(rows, { y: "site", x1: "p25", x2: "p75", stroke: "#0072B2", strokeWidth: 8 }),
      Plot.tickX(rows, { y: "site", x: "p50", stroke: "#fff", strokeWidth: 2 }),
      Plot.dot(rows, { y: "site", x: "actual", fill: "inside", r: 4, stroke: "#222", strokeWidth: 0.5 }),
    ],
  });
}

function coverageChart(b: Backtest): string {
  const rows = [
    { interval: "50 % interval", kind: "nominal", share: 50 },
    { interval: "50 % interval", kind: "covered", share: b.coverage50 * 100 },
    { interval: "90 % interval", kind: "nominal", share: 90 },
    { interval: "90 % interval", kind: "covered", share: b.coverage90 * 100 },
  ];
  return svgOf({
    height: 150,
    x: { label: "sites whose actual duration fell inside (%)", domain: [0, 100], grid: true },
    y: { label: null },
    fy: { label: null },
    color: { domain: ["nominal", "covered"], range: ["#bbbbbb", "#0072B2"], legend: true },
    marks: [
      Plot.barX(rows, { fy: "interval", y: "kind", x: "share", fill: "kind" }),
      Plot.text(rows, {
        fy: "interval",
        y: "kind",
        x: "share",
        text: (d: { share: number }) => `${d.share.toFixed(1)} %`,
        dx: 22,
      }),
    ],
  });
}

export function backtestHtml(b: Backtest): string {
  const byRollout = b.rollouts.map((r) => ({ r, sites: b.sites.filter((s) => s.rollout === r.name) }));
  const table = b.rollouts
    .map(
      (r) =>
        `<tr><td><a href="#rollout-${esc(r.name)}">${esc(r.name)}</a></td><td>${r.sites - r.unseen.length}</td><td>${esc(utcTime(r.endP5))}</td><td>${esc(utcTime(r.endP50))}</td><td>${esc(utcTime(r.endP95))}</td><td>${esc(utcTime(r.actualEndMs))}</td><td>${r.inside90 ? "yes" : "no"}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Back-test from ${esc(utcTime(b.trainUntilMs))}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222}h1{font-size:22px}h2{font-size:18px;margin:28px 0 6px;border-top:1px solid #ccc;padding-top:12px}
svg{max-width:100%;height:auto}table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #ddd}th{background:#f4f4f4}
</style></head><body>
<h1>Back-test: fitted before ${esc(utcTime(b.trainUntilMs))}</h1>
<p id="summary">Fitted on ${plural(b.training.rollouts, "rollout")} (${b.training.intervals} step intervals): ${esc(fittedLine(b))}. Forecast ${plural(b.rollouts.length, "later rollout")}, ${plural(b.sites.length, "site")}, ${b.trials} trials per site.</p>
<section id="coverage"><h2>Coverage against the nominal level</h2>
<p>50 % intervals covered <strong>${esc(pct(b.coverage50))}</strong>, 90 % intervals covered <strong>${esc(pct(b.coverage90))}</strong> of the sites; median absolute percentage error of the forecast median <strong>${esc(pct(b.mdape))}</strong>.</p>
${coverageChart(b)}</section>
<section id="rollouts"><h2>Rollouts: forecast end against actual end</h2>
<table><thead><tr><th>rollout</th><th>sites</th><th>forecast p5</th><th>p50</th><th>p95</th><th>actual end</th><th>in 90 %</th></tr></thead><tbody>${table}</tbody></table></section>
${byRollout
  .map(
    ({ r, sites }) =>
      `<section id="rollout-${esc(r.name)}" class="chart"><h2>${esc(r.name)}: each site's forecast against its actual duration</h2><p>Bars: the forecast's 90 % interval (light) and 50 % interval (dark), a white tick at its median; dots: the actual duration.</p>${rolloutChart(sites)}</section>`,
  )
  .join("\n")}
</body></html>
`;
}
