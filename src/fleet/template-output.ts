import { formatDuration as formatMs } from "../shared/duration.js";
import { plural } from "../shared/plural.js";
import { textTable } from "../shared/table.js";
import type { BusinessHoursFigure } from "./business-hours.js";
import type { LoadedFleetPlan } from "./load.js";
import type { StrategyRun, TrialRun } from "./result.js";
import type { TemplateStrategy } from "./template-load.js";
import { describeAssumptions, TEMPLATE_RULES } from "./template-policy.js";
import type { Session, TemplateSchedule, VersionTimeline } from "./template-schedule.js";
import { minuteText, utcTime } from "./windows.js";

const formatDuration = (ms: number) => formatMs(Math.round(ms / 1000) * 1000);
/** Hours to one decimal. */
export const roundedHours = (ms: number) => Math.round((ms / 3_600_000) * 10) / 10;
const MAX_SESSIONS_LISTED = 12;

function sessionLabel(s: Session): string {
  const close = Number.isFinite(s.closeMs) ? `-${utcTime(s.closeMs).slice(11)}` : "";
  return `${s.kind === "window" ? "window" : "upgrade now"} ${utcTime(s.openMs)}${close}`;
}

export function stateText(v: VersionTimeline, sched: TemplateSchedule): string {
  switch (v.state) {
    case "skipped":
      return `skipped (replaced by ${sched.versions[v.skippedFor ?? 0]?.name} before a window)${v.blockedBy ? ` — ${v.blockedBy}` : ""}`;
    case "blocked":
      return `blocked — ${v.blockedBy}`;
    case "partial":
      return "partially applied at the end";
    case "pending":
      return "published, no window picked it up";
    default:
      return v.state;
  }
}

function usesBiweekly(t: TemplateStrategy): boolean {
  return t.schedules.some((s) => s.cron === undefined);
}

/** The template's own timeline in the text summary. */
export function templateTextLines(s: StrategyRun): string[] {
  const template = s.strategy.template as TemplateStrategy;
  const trial = s.first;
  const sched = (trial.template as NonNullable<TrialRun["template"]>).schedule;
  const lines: string[] = [];
  lines.push(
    `policy         ${template.schedules.map((x) => (x.cron !== undefined && x.cron !== x.text ? `${x.text} (${x.cron})` : x.text)).join(", ")} UTC, ${template.windowHours} h window${template.windowHours === 1 ? "" : "s"}; concurrency ${Number.isFinite(template.assume.concurrency) ? template.assume.concurrency : "all"}`,
  );
  const published = sched.versions.length - 1;
  const skipped = sched.versions.filter((v) => v.state === "skipped").length;
  lines.push(
    `template       ${plural(published, "version")} published, ${skipped} skipped; partially applied ${formatDuration(sched.blockedMs)}; ${plural(sched.rollouts.length, "rollout")}, max ${sched.maxConcurrent} at once`,
  );
  lines.push("");
  lines.push(
    ...textTable([
      ["version", "published (UTC)", "picked up by", "windows", "everywhere (UTC)", "state"],
      ...sched.versions.map((v) => [
        v.name,
        Number.isFinite(v.atMs) ? utcTime(v.atMs) : "-",
        v.pickedBy !== undefined ? sessionLabel(sched.sessions[v.pickedBy] as Session) : "-",
        v.windows > 0 ? String(v.windows) : "-",
        v.everywhereAtMs !== undefined ? utcTime(v.everywhereAtMs) : "-",
        stateText(v, sched),
      ]),
    ]).map((l) => `  ${l}`),
  );
  for (const v of sched.versions)
    for (const p of v.partial)
      lines.push(
        `  partially applied on ${v.name}: ${utcTime(p.fromMs)} → ${p.untilMs !== undefined ? `${utcTime(p.untilMs)} (unblocked)` : "the end of the horizon"}, ${formatDuration((p.untilMs ?? Math.max(template.untilMs, p.fromMs)) - p.fromMs)}`,
      );
  if (sched.sessions.length > 0) {
    lines.push("", "  windows taken");
    const rows = sched.sessions
      .slice(0, MAX_SESSIONS_LISTED)
      .map((x) => [
        sessionLabel(x),
        `${x.action} ${sched.versions[x.version]?.name}`,
        `${x.started} started`,
      ]);
    lines.push(...textTable(rows).map((l) => `    ${l}`));
    if (sched.sessions.length > MAX_SESSIONS_LISTED)
      lines.push(`    … ${sched.sessions.length - MAX_SESSIONS_LISTED} more (--json lists them all)`);
  }
  const onVersion = new Map<string, number>();
  for (const v of sched.finalVersion) {
    const name = sched.versions[v]?.name ?? "";
    onVersion.set(name, (onVersion.get(name) ?? 0) + 1);
  }
  lines.push(`  sites at the end: ${[...onVersion].map(([name, n]) => `${name} ${n}`).join(", ")}`);
  lines.push(
    "",
    "  assumptions (where Palette's pages are silent; override under palette.assume / concurrency)",
  );
  for (const a of describeAssumptions(template.assume, usesBiweekly(template)))
    lines.push(`    ${a.key} = ${a.value}: ${a.text}`);
  return lines;
}

/** The disruption figure, every strategy: per zone, rollouts begun in local daytime and node-hours in business hours. */
export function businessHoursLines(figure: BusinessHoursFigure): string[] {
  const round = (n: number) => String(Math.round(n * 10) / 10);
  return [
    "",
    `  local time (business hours ${figure.businessHours}, daytime ${figure.daytime.replace("daily ", "")})`,
    ...textTable([
      ["zone", "sites", "rollouts", "begun in daytime", "node-hours disrupted", "in business hours"],
      ...figure.zones.map((z) => [
        z.zone,
        String(z.sites),
        String(z.rollouts),
        String(z.daytimeStarts),
        round(z.nodeHours),
        round(z.businessNodeHours),
      ]),
    ]).map((l) => `    ${l}`),
  ];
}

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** `--json`: the template's timeline (every window taken, every version), first trial. */
export function templateJson(s: StrategyRun): object {
  const template = s.strategy.template as TemplateStrategy;
  const sched = (s.first.template as NonNullable<TrialRun["template"]>).schedule;
  return {
    policy: {
      schedules: template.schedules.map((x) => ({ text: x.text, cron: x.cron ?? null })),
      windowHours: template.windowHours,
    },
    assumptions: describeAssumptions(template.assume, usesBiweekly(template)),
    rules: TEMPLATE_RULES,
    state: sched.state,
    blockedHours: sched.blockedMs / 3_600_000,
    versions: sched.versions.map((v) => ({
      name: v.name,
      published: iso(v.atMs),
      state: v.state,
      pickedBy:
        v.pickedBy !== undefined
          ? { session: v.pickedBy, kind: sched.sessions[v.pickedBy]?.kind, at: iso(v.pickedAtMs ?? 0) }
          : null,
      skippedFor: v.skippedFor !== undefined ? sched.versions[v.skippedFor]?.name : null,
      windows: v.windows,
      everywhere: v.everywhereAtMs !== undefined ? iso(v.everywhereAtMs) : null,
      blockedBy: v.blockedBy ?? null,
      partiallyApplied: v.partial.map((p) => ({
        from: iso(p.fromMs),
        until: p.untilMs !== undefined ? iso(p.untilMs) : null,
      })),
    })),
    sessions: sched.sessions.map((x) => ({
      kind: x.kind,
      open: iso(x.openMs),
      close: iso(x.closeMs),
      action: x.action,
      version: sched.versions[x.version]?.name,
      started: x.started,
    })),
    rollouts: sched.rollouts.length,
  };
}

/** A site's versions over time in one trial: `v1; v2@2026-12-13T01:12Z; …` (a waves strategy: from, then the update when converged). */
export function siteVersions(plan: LoadedFleetPlan, trial: TrialRun, site: number): string {
  const s = plan.sites[site];
  if (!s) return "";
  if (!trial.template) {
    const p = trial.schedule.placements[site];
    const refused = trial.outcomes.get(site)?.refused === true;
    return p?.state === "rolled" && p.result === "converged" && !refused && s.update !== s.profile
      ? `${s.profile}; ${s.update}@${isoMinute(p.endMs)}`
      : s.profile;
  }
  const { schedule } = trial.template;
  const parts = [schedule.versions[0]?.name ?? s.profile];
  for (const r of schedule.rollouts)
    if (r.site === site && r.result === "converged")
      parts.push(`${schedule.versions[r.to]?.name}@${isoMinute(r.endMs)}`);
  return parts.join("; ");
}

function isoMinute(ms: number): string {
  const text = minuteText(ms, "T");
  return text !== undefined ? `${text}Z` : new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, "Z");
}
