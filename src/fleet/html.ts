import type { FleetPlanRun } from "./run.js";
import { utcTime } from "./windows.js";

/**
 * `edgesim report FLEET -o fleet.html`: one self-contained page (inline SVG, no scripts, no network):
 * waves on a calendar, completion over time, sites disrupted per hour by time zone, registry
 * throughput and the Monte-Carlo histogram of durations. Draws the first strategy's first trial
 * (the histogram: every trial).
 */
const W = 900;
const H = 220;
const PAD = 40;
const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const HOUR = 3_600_000;

export function renderFleetHtml(run: FleetPlanRun): string {
  const plan = run.plan;
  const strategy = run.strategies[0];
  if (!strategy) return "";
  const trial = strategy.first;
  const rolled = trial.schedule.placements.flatMap((p, i) =>
    p.state === "rolled" ? [{ ...p, site: plan.sites[i] }] : [],
  );
  const t0 = plan.startMs;
  const t1 = Math.max(trial.endMs, t0 + HOUR);
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  const axis = () => {
    const days = Math.ceil((t1 - t0) / (24 * HOUR));
    const step = Math.max(1, Math.ceil(days / 10)) * 24 * HOUR;
    let out = "";
    for (let t = t0; t <= t1; t += step)
      out += `<text x="${x(t).toFixed(1)}" y="${H - 5}" class="tick">${esc(utcTime(t).slice(5, 10))}</text>`;
    return out;
  };

  // Waves on a calendar.
  const waves = trial.schedule.waves
    .map((w, i) => {
      const y = 20 + i * 28;
      return `<rect class="wave" data-wave="${esc(w.name)}" x="${x(w.startMs).toFixed(1)}" y="${y}" width="${Math.max(2, x(w.endMs) - x(w.startMs)).toFixed(1)}" height="20" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${w.name}: ${w.sites} sites, ${utcTime(w.startMs)} → ${utcTime(w.endMs)}`)}</title></rect><text x="${(x(w.startMs) + 4).toFixed(1)}" y="${y + 14}" class="label">${esc(w.name)}</text>`;
    })
    .join("");

  // Completion over time.
  const ends = rolled.map((r) => r.endMs).sort((a, b) => a - b);
  const total = plan.sites.length;
  let path = `M${x(t0).toFixed(1)},${H - PAD}`;
  ends.forEach((e, i) => {
    path += ` L${x(e).toFixed(1)},${(H - PAD - ((i + 1) / total) * (H - 2 * PAD)).toFixed(1)}`;
  });
  const completion = `<path class="completion" d="${path}" fill="none" stroke="#4e79a7" stroke-width="2"/>`;

  // Sites disrupted per hour by time zone (stacked).
  const zones = [...new Set(plan.sites.map((s) => s.timeZone))].sort();
  const hours = Math.ceil((t1 - t0) / HOUR);
  const perHour = zones.map(() => new Array<number>(hours).fill(0));
  for (const r of rolled) {
    const z = zones.indexOf(r.site?.timeZone ?? "");
    for (let h = Math.floor((r.startMs - t0) / HOUR); h < Math.ceil((r.endMs - t0) / HOUR) && h < hours; h++)
      (perHour[z] as number[])[h] = ((perHour[z] as number[])[h] ?? 0) + 1;
  }
  let peak = 1;
  for (let h = 0; h < hours; h++)
    peak = Math.max(
      peak,
      perHour.reduce((s, z) => s + (z[h] ?? 0), 0),
    );
  let bars = "";
  const bw = Math.max(0.5, (W - 2 * PAD) / hours);
  for (let h = 0; h < hours; h++) {
    let y = H - PAD;
    zones.forEach((zone, zi) => {
      const n = perHour[zi]?.[h] ?? 0;
      if (n === 0) return;
      const height = (n / peak) * (H - 2 * PAD);
      y -= height;
      bars += `<rect class="disrupted" x="${(PAD + h * bw).toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(2)}" height="${height.toFixed(1)}" fill="${COLORS[zi % COLORS.length]}"><title>${esc(`${zone}: ${n} site(s) at ${utcTime(t0 + h * HOUR)}`)}</title></rect>`;
    });
  }
  const legend = zones
    .map((z, i) => `<span class="key" style="background:${COLORS[i % COLORS.length]}"></span>${esc(z)}`)
    .join(" ");

  // Registry throughput (steps).
  const reg = trial.schedule.registry;
  const maxBps = Math.max(1, trial.schedule.peakRegistryBps);
  let regPath = "";
  reg.forEach((p, i) => {
    const y = (H - PAD - (p.bps / maxBps) * (H - 2 * PAD)).toFixed(1);
    const next = reg[i + 1]?.t ?? t1;
    regPath += `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y} L${x(next).toFixed(1)},${y} `;
  });
  const registry = `<path class="registry" d="${regPath}" fill="none" stroke="#e15759" stroke-width="1.5"/>`;

  // Histogram of durations over trials.
  const durations = strategy.trials.map((t) => t.durationMs / HOUR);
  // Reduced, not spread: a spread of many trials as arguments overflows the stack.
  const lo = durations.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const hi = durations.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const bins = Math.min(20, Math.max(1, strategy.trials.length));
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const d of durations) {
    const bin = Math.min(bins - 1, Math.floor((d - lo) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const cmax = counts.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const hist = counts
    .map((c, i) => {
      const hb = (c / cmax) * (H - 2 * PAD);
      const bx = PAD + (i * (W - 2 * PAD)) / bins;
      return `<rect class="bin" x="${bx.toFixed(1)}" y="${(H - PAD - hb).toFixed(1)}" width="${((W - 2 * PAD) / bins - 2).toFixed(1)}" height="${hb.toFixed(1)}" fill="#59a14f"><title>${esc(`${(lo + i * width).toFixed(1)}–${(lo + (i + 1) * width).toFixed(1)} h: ${c} trial(s)`)}</title></rect>`;
    })
    .join("");

  const svg = (id: string, title: string, body: string, extra = "") =>
    `<section id="${id}"><h2>${esc(title)}</h2>${extra}<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${body}</svg></section>`;
  const counts2 = { converged: 0, failed: 0, blocked: 0 };
  for (const r of rolled) counts2[r.result]++;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(plan.name)} — fleet rollout</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:15px;margin:18px 0 4px}
.tick{font-size:10px;fill:#666}.label{font-size:11px;fill:#fff}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}
</style></head><body>
<h1>${esc(plan.name)}</h1>
<p id="summary">${plan.sites.length} sites, ${run.nodes} nodes — <strong>${esc(trial.result)}</strong> in ${(trial.durationMs / HOUR).toFixed(1)} h (ends ${esc(utcTime(trial.endMs))}); ${counts2.converged} converged, ${counts2.failed} failed, ${counts2.blocked} blocked; peak registry ${(trial.schedule.peakRegistryBps / 1e9).toFixed(2)} Gbps; strategy ${esc(strategy.strategy.name)}, ${strategy.trials.length} trial(s).</p>
${svg("calendar", "Waves on the calendar (UTC)", waves + axis())}
${svg("completion", "Sites completed over time", completion + axis())}
${svg("disruption", "Sites disrupted per hour, by time zone", bars + axis(), `<p>${legend}</p>`)}
${svg("registry", `Registry throughput (peak ${(maxBps / 1e9).toFixed(2)} Gbps)`, registry + axis())}
${svg("histogram", `Rollout duration over ${strategy.trials.length} trial(s), hours`, hist + `<text x="${PAD}" y="${H - 5}" class="tick">${lo.toFixed(1)} h</text><text x="${W - PAD - 30}" y="${H - 5}" class="tick">${hi.toFixed(1)} h</text>`)}
</body></html>
`;
}
