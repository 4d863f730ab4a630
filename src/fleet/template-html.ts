import * as Plot from "@observablehq/plot";
import type { LoadedFleetPlan } from "./load.js";
import type { TrialRun } from "./result.js";
import { utcTime } from "./windows.js";

/**
 * The fleet report's picture of a template strategy: the policy's windows taken (and Upgrade nows) on
 * the calendar, and one version band per site group (time zone): a segment in a version's colour
 * while every site of the group runs it, grey while the group is between versions.
 */
export interface VersionSegment {
  group: string;
  start: Date;
  end: Date;
  label: string;
}

export function versionBands(plan: LoadedFleetPlan, trial: TrialRun, endMs: number): VersionSegment[] {
  const template = trial.template;
  if (!template) return [];
  const { schedule } = template;
  const groups = new Map<string, number[]>();
  plan.sites.forEach((s) => {
    const g = groups.get(s.timeZone);
    if (g) g.push(s.index);
    else groups.set(s.timeZone, [s.index]);
  });
  const out: VersionSegment[] = [];
  for (const [group, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const inGroup = new Set(members);
    // Changes of version of the group's sites, in time order.
    const changes = schedule.rollouts
      .filter((r) => r.result === "converged" && inGroup.has(r.site))
      .map((r) => ({ t: r.endMs, site: r.site, to: r.to }))
      .sort((a, b) => a.t - b.t || a.site - b.site);
    const on = new Map<number, number>([[0, members.length]]);
    const version = new Map<number, number>(members.map((s) => [s, 0]));
    let from = plan.startMs;
    let label = schedule.versions[0]?.name ?? "";
    const close = (t: number, next: string) => {
      if (t > from) out.push({ group, start: new Date(from), end: new Date(t), label });
      from = t;
      label = next;
    };
    for (const c of changes) {
      const before = version.get(c.site) ?? 0;
      on.set(before, (on.get(before) ?? 0) - 1);
      on.set(c.to, (on.get(c.to) ?? 0) + 1);
      version.set(c.site, c.to);
      const whole = [...on].find(([, n]) => n === members.length);
      const next = whole ? (schedule.versions[whole[0]]?.name ?? "") : "mixed";
      if (next !== label) close(c.t, next);
    }
    close(Math.max(endMs, from + 1), label);
  }
  return out;
}

/** The chart options (drawn by the report's own `svgOf`). */
export function templateCalendar(
  plan: LoadedFleetPlan,
  trial: TrialRun,
  time: Plot.ScaleOptions,
  endMs: number,
  colours: readonly string[],
): { title: string; options: Plot.PlotOptions } | undefined {
  const template = trial.template;
  if (!template) return undefined;
  const { schedule } = template;
  const windows = schedule.sessions.map((s) => ({
    group: s.kind === "window" ? "windows taken" : "upgrade now",
    start: new Date(s.openMs),
    end: new Date(Number.isFinite(s.closeMs) ? s.closeMs : s.openMs + 3_600_000),
    label: `${s.kind === "window" ? "window" : "Upgrade now"} ${utcTime(s.openMs)}: ${s.action} ${schedule.versions[s.version]?.name}, ${s.started} started`,
  }));
  const bands = versionBands(plan, trial, endMs);
  const versions = [...schedule.versions.map((v) => v.name), "mixed"];
  const groups = [...new Set([...windows.map((w) => w.group), ...bands.map((b) => b.group)])];
  return {
    title: "Template: windows taken and each time zone's version",
    options: {
      height: 60 + 28 * Math.max(1, groups.length),
      marginLeft: 150,
      x: time,
      y: { label: null, domain: groups },
      color: {
        domain: versions,
        range: [...colours.slice(0, versions.length - 1), "#bbbbbb"],
        legend: true,
      },
      marks: [
        Plot.barX(bands, {
          x1: "start",
          x2: "end",
          y: "group",
          fill: "label",
          className: "version-band",
          title: (b: VersionSegment) =>
            `${b.group}: ${b.label} ${utcTime(b.start.getTime())} → ${utcTime(b.end.getTime())}`,
        }),
        Plot.barX(windows, {
          x1: "start",
          x2: "end",
          y: "group",
          fill: "#333333",
          insetTop: 4,
          insetBottom: 4,
          className: "template-window",
          title: (w: (typeof windows)[number]) => w.label,
        }),
      ],
    },
  };
}
