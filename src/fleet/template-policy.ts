import { CronExpressionParser } from "cron-parser";
import type { Parsed } from "./windows.js";

/**
 * A Palette maintenance policy: one or more upgrade schedules in UTC, each opening an upgrade window
 * of 1..24 hours. Every behavior cites its page and section; where the page is silent the choice is
 * one of `TEMPLATE_ASSUMPTIONS`, printed with the result and overridable in the plan file.
 */

const MAINTENANCE_PAGE =
  "spectrocloud/librarium docs/docs-content/cluster-templates/create-cluster-template-policies/maintenance-policy.md";
const TEMPLATES_PAGE = "spectrocloud/librarium docs/docs-content/cluster-templates/cluster-templates.md";

/** The Palette statements the template strategy implements, each with its page and section. */
export const TEMPLATE_RULES = [
  {
    id: "utc",
    rule: "upgrade windows are in UTC, not the site's time zone",
    source: `${MAINTENANCE_PAGE}, opening paragraph and section 'Custom Schedules' (info box)`,
  },
  {
    id: "next-window",
    rule: "a new profile version in the template is applied to every attached cluster in the policy's next upgrade window, or when Upgrade now is pressed",
    source: `${TEMPLATES_PAGE}, section 'Cluster Profile vs. Cluster Template Deployment'; ${MAINTENANCE_PAGE}, opening paragraphs`,
  },
  {
    id: "collapse",
    rule: "versions published before a window opens collapse: only the latest is rolled, the earlier ones are skipped",
    source: `${MAINTENANCE_PAGE}, scenario table, row 'Multiple Profile Updates Before Rollout'`,
  },
  {
    id: "same-version",
    rule: "all clusters must be on the same version, and every profile variable Assigned, before the next version may roll; a version published mid-rollout waits",
    source: `${MAINTENANCE_PAGE}, opening paragraphs and row 'Multiple Profile Updates During Rollout'; ${TEMPLATES_PAGE}, section 'Cluster Profile Variables'`,
  },
  {
    id: "partially-applied",
    rule: "clusters not upgraded when the window closes leave the template partially applied: later versions are blocked until the next window (or Upgrade now) finishes them",
    source: `${MAINTENANCE_PAGE}, row 'Updates Do Not Complete During Upgrade Window' and section 'Create Maintenance Policies' step 8 (warning)`,
  },
  {
    id: "window-hours",
    rule: "an upgrade window lasts 1..24 hours; a policy may have several schedules; presets: weekly (Sunday 00:00), every two weeks, monthly (1st 00:00), every two months (1st 00:00)",
    source: `${MAINTENANCE_PAGE}, section 'Create Maintenance Policies', steps 7, 8 and 10`,
  },
  {
    id: "no-rollback",
    rule: "no rollback: a cluster that failed stays where it is and is retried, never moved back",
    source: `${TEMPLATES_PAGE}, section 'Limitations'`,
  },
] as const;

export type WindowCloseRule = "finish" | "fits";
export type MissingMonthDay = "skip" | "rollover";

/** Choices where the pages are silent; each is printed and can be overridden under `assume:`. */
export interface TemplateAssumptions {
  /** Clusters upgraded at once inside a window (`concurrency`); +∞: every eligible cluster. */
  concurrency: number;
  /** A cluster mid-rollout when the window closes: `finish` it; or start only rollouts predicted to `fits` the rest of the window. */
  windowClose: WindowCloseRule;
  /** A day of the month the month lacks (31 in April): `skip` that month, as cron does, or `rollover` to the 1st. */
  missingMonthDay: MissingMonthDay;
  /** The first window of `biweekly` (every two weeks), UTC ms; later ones every 14 days. */
  biweeklyFromMs: number;
  /** How long an Upgrade now lasts: +∞ (until every cluster has started). */
  upgradeNowMs: number;
}

export interface AssumptionLine {
  key: string;
  value: string;
  text: string;
}

/** The assumptions as printed: key, value and why. */
export function describeAssumptions(a: TemplateAssumptions, usesBiweekly: boolean): AssumptionLine[] {
  const lines: AssumptionLine[] = [
    {
      key: "concurrency",
      value: Number.isFinite(a.concurrency) ? String(a.concurrency) : "all",
      text: "the pages do not say how many clusters Palette upgrades at once in a window; edgesim starts every eligible cluster at once unless `concurrency` says otherwise",
    },
    {
      key: "windowClose",
      value: a.windowClose,
      text:
        a.windowClose === "finish"
          ? "a cluster whose rollout has begun when the window closes finishes it (a node mid-repave is not abandoned); a cluster not yet begun waits for the next window"
          : "a cluster starts only when its predicted rollout fits in what is left of the window; one that would not waits for the next window",
    },
    {
      key: "missingMonthDay",
      value: a.missingMonthDay,
      text:
        a.missingMonthDay === "skip"
          ? "a day of the month the month does not have (31 in a 30-day month) opens no window that month, as cron does"
          : "a day of the month the month does not have (31 in a 30-day month) opens the window on the 1st of the next month",
    },
    {
      key: "upgradeNow",
      value: Number.isFinite(a.upgradeNowMs) ? `${a.upgradeNowMs / 3_600_000}h` : "until started",
      text: "Upgrade now has no window: it starts the rollout at once and keeps starting clusters until every one has begun",
    },
    {
      key: "nextVersionWaits",
      value: "next window",
      text: "a version held back by a rollout rolls in the next window after every cluster is on the current version, not in what is left of the window that finished them",
    },
    {
      key: "variables",
      value: "per site",
      text: "a variable a version uses is Assigned for a site when the inventory gives the site a value or the version's profile has a default; plans are made with the profile's values (a site's own value is the same on both sides of an update)",
    },
    {
      key: "failedCluster",
      value: "retried",
      text: "a cluster whose rollout failed or blocked stays on its version (no rollback) and is retried in the next window, with fresh faults",
    },
  ];
  if (usesBiweekly)
    lines.splice(3, 0, {
      key: "biweeklyFrom",
      value: new Date(a.biweeklyFromMs).toISOString().replace(":00.000Z", "Z"),
      text: "the page does not say when 'every two weeks' starts; edgesim opens the first window on the first Sunday 00:00 UTC at or after the start, then every 14 days",
    });
  return lines;
}

/** The documented presets (maintenance-policy page, 'Create Maintenance Policies' step 7) as cron. */
export const SCHEDULE_PRESETS: Record<string, string | "biweekly"> = {
  weekly: "0 0 * * 0",
  biweekly: "biweekly",
  monthly: "0 0 1 * *",
  // Every two months on the 1st: January, March, … (cron's */2 over months 1..12).
  bimonthly: "0 0 1 */2 *",
};

export interface PolicySchedule {
  text: string;
  /** Absent for `biweekly` (a 14-day period from an anchor). */
  cron?: string;
}

/** A schedule as written: a preset's name or five cron fields (minute hour day-of-month month day-of-week), UTC. */
export function parseSchedule(text: string): Parsed<PolicySchedule> {
  const trimmed = text.trim();
  const preset = SCHEDULE_PRESETS[trimmed.toLowerCase()];
  if (preset === "biweekly") return { ok: true, value: { text: trimmed } };
  const cron = preset ?? trimmed;
  const fields = cron.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5)
    return {
      ok: false,
      error: `schedule "${trimmed}" does not parse: expected five cron fields (minute hour day-of-month month day-of-week, UTC) or a preset (${Object.keys(SCHEDULE_PRESETS).join(", ")})`,
    };
  try {
    CronExpressionParser.parse(cron, { tz: "UTC", strict: false });
  } catch (error) {
    return { ok: false, error: `schedule "${trimmed}" does not parse: ${(error as Error).message}` };
  }
  return { ok: true, value: { text: trimmed, cron } };
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** The first Sunday 00:00 UTC at or after `ms`. */
export function firstSundayFrom(ms: number): number {
  const day = Math.ceil(ms / DAY) * DAY;
  const weekday = new Date(day).getUTCDay();
  return day + ((7 - weekday) % 7) * DAY;
}

/** A window: [openMs, closeMs). */
export interface UpgradeWindow {
  openMs: number;
  closeMs: number;
}

/**
 * The policy's windows in time order, computed as they are asked for; windows of several schedules
 * that overlap are one window (the template is either in a window or not).
 */
export class PolicyWindows {
  private readonly windows: UpgradeWindow[] = [];
  private readonly sources: (() => number | undefined)[];
  private readonly heads: (number | undefined)[];

  constructor(
    schedules: readonly PolicySchedule[],
    private readonly windowMs: number,
    fromMs: number,
    assume: Pick<TemplateAssumptions, "missingMonthDay" | "biweeklyFromMs">,
  ) {
    this.sources = schedules.map((s) => occurrences(s, fromMs, assume));
    this.heads = this.sources.map((next) => next());
  }

  /** The earliest opening of any schedule, taken. */
  private pull(): number | undefined {
    let best = -1;
    this.heads.forEach((h, i) => {
      if (h !== undefined && (best < 0 || h < (this.heads[best] as number))) best = i;
    });
    if (best < 0) return undefined;
    const openMs = this.heads[best] as number;
    this.heads[best] = (this.sources[best] as () => number | undefined)();
    return openMs;
  }

  private peekOpening(): number | undefined {
    let min: number | undefined;
    for (const h of this.heads) if (h !== undefined && (min === undefined || h < min)) min = h;
    return min;
  }

  /** Makes `windows[i]` final (no later opening overlaps it); false when there is none. */
  private ensure(i: number): boolean {
    while (this.windows.length <= i) {
      const openMs = this.pull();
      if (openMs === undefined) return false;
      const w = { openMs, closeMs: openMs + this.windowMs };
      for (
        let next = this.peekOpening();
        next !== undefined && next <= w.closeMs;
        next = this.peekOpening()
      ) {
        this.pull();
        w.closeMs = Math.max(w.closeMs, next + this.windowMs);
      }
      const prev = this.windows.at(-1);
      if (prev && w.openMs <= prev.closeMs) prev.closeMs = Math.max(prev.closeMs, w.closeMs);
      else this.windows.push(w);
    }
    return true;
  }

  /** The first window that opens at or after `t`. */
  nextOpening(t: number): UpgradeWindow | undefined {
    let lo = 0;
    let hi = this.windows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.windows[mid] as UpgradeWindow).openMs < t) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; ; i++) {
      if (!this.ensure(i)) return undefined;
      const w = this.windows[i] as UpgradeWindow;
      if (w.openMs >= t) return w;
    }
  }
}

/** A schedule's opening instants from `fromMs` on, one per call (undefined: none more). */
function occurrences(
  schedule: PolicySchedule,
  fromMs: number,
  assume: Pick<TemplateAssumptions, "missingMonthDay" | "biweeklyFromMs">,
): () => number | undefined {
  if (schedule.cron === undefined) {
    let next = assume.biweeklyFromMs;
    const period = 2 * WEEK;
    if (next < fromMs) next += Math.ceil((fromMs - next) / period) * period;
    return () => {
      const out = next;
      next += period;
      return out;
    };
  }
  // Starting a millisecond early: cron's next() is strictly after its current date.
  const expression = CronExpressionParser.parse(schedule.cron, {
    tz: "UTC",
    currentDate: new Date(fromMs - 1),
    strict: false,
  });
  const extra = assume.missingMonthDay === "rollover" ? rollovers(schedule.cron, fromMs) : undefined;
  let cronNext: number | undefined = expression.next().getTime();
  return () => {
    const fromExtra = extra?.peek();
    if (fromExtra !== undefined && (cronNext === undefined || fromExtra <= cronNext)) {
      extra?.take();
      if (fromExtra === cronNext) cronNext = expression.next().getTime();
      return fromExtra;
    }
    const out = cronNext;
    cronNext = expression.next().getTime();
    return out;
  };
}

/**
 * `missingMonthDay: rollover`: for each month a day of the month the schedule names does not exist
 * in (and the month is one the schedule runs in), an opening on the 1st of the next month at each of
 * the schedule's hours and minutes.
 */
function rollovers(cron: string, fromMs: number): { peek(): number | undefined; take(): void } {
  const fields = CronExpressionParser.parse(cron, { tz: "UTC", strict: false }).fields;
  const days = (fields.dayOfMonth.values as readonly unknown[]).filter(
    (d): d is number => typeof d === "number" && d > 28,
  );
  const months = new Set(fields.month.values as number[]);
  const hours = [...(fields.hour.values as number[])].sort((a, b) => a - b);
  const minutes = [...(fields.minute.values as number[])].sort((a, b) => a - b);
  const start = new Date(fromMs);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth(); // 0-based
  const buffer: number[] = [];
  const fill = () => {
    for (let guard = 0; buffer.length === 0 && guard < 12 * 400; guard++) {
      const length = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      if (months.has(month + 1) && days.some((d) => d > length))
        for (const h of hours)
          for (const m of minutes) {
            const at = Date.UTC(year, month + 1, 1, h, m);
            if (at >= fromMs) buffer.push(at);
          }
      month++;
      if (month === 12) {
        month = 0;
        year++;
      }
    }
  };
  return {
    peek() {
      if (days.length === 0) return undefined;
      fill();
      return buffer[0];
    },
    take() {
      buffer.shift();
    },
  };
}
