import { describe, expect, it } from "vitest";
import { firstSundayFrom, PolicyWindows, parseSchedule } from "../../src/fleet/template-policy.js";
import { type TemplateScheduleInput, templateSchedule } from "../../src/fleet/template-schedule.js";

const H = 3_600_000;
const DAY = 24 * H;
const at = (iso: string) => Date.parse(iso);
const START = at("2026-12-07T00:00Z"); // a Monday

function weekly(hours: number) {
  const s = parseSchedule("weekly");
  if (!s.ok) throw new Error(s.error);
  return new PolicyWindows([s.value], hours * H, START, {
    missingMonthDay: "skip",
    biweeklyFromMs: firstSundayFrom(START),
  });
}

function input(
  over: Partial<TemplateScheduleInput> & Pick<TemplateScheduleInput, "versions">,
): TemplateScheduleInput {
  return {
    sites: 10,
    windows: weekly(4),
    upgradeNowMs: [],
    startMs: START,
    untilMs: START + 365 * DAY,
    assume: {
      concurrency: Number.POSITIVE_INFINITY,
      windowClose: "finish",
      upgradeNowMs: Number.POSITIVE_INFINITY,
    },
    predictedMs: () => H,
    outcome: () => ({ result: "converged", durationMs: H }),
    ...over,
  };
}

const v = (name: string, iso?: string) => ({
  name,
  atMs: iso === undefined ? Number.NEGATIVE_INFINITY : at(iso),
});

describe("the maintenance policy's windows", () => {
  it("opens the weekly preset on Sundays at midnight UTC", () => {
    const w = weekly(4);
    expect(new Date(w.nextOpening(START)?.openMs ?? 0).toISOString()).toBe("2026-12-13T00:00:00.000Z");
    expect(w.nextOpening(at("2026-12-13T00:00Z"))?.closeMs).toBe(at("2026-12-13T04:00Z"));
    expect(new Date(w.nextOpening(at("2026-12-13T00:00:01Z"))?.openMs ?? 0).toISOString()).toBe(
      "2026-12-20T00:00:00.000Z",
    );
  });

  it("merges overlapping windows of several schedules and refuses a schedule that does not parse", () => {
    const a = parseSchedule("0 0 * * *");
    const b = parseSchedule("0 2 * * *");
    if (!a.ok || !b.ok) throw new Error("parse");
    const w = new PolicyWindows([a.value, b.value], 4 * H, START, {
      missingMonthDay: "skip",
      biweeklyFromMs: 0,
    });
    expect(w.nextOpening(START)).toEqual({ openMs: START, closeMs: START + 6 * H });
    expect(parseSchedule("0 0 * *").ok).toBe(false);
    expect(parseSchedule("61 0 * * *").ok).toBe(false);
    expect(parseSchedule("0 0 * * 0 2026").ok).toBe(false);
  });

  it("skips a month without day 31, or rolls it over to the 1st when told", () => {
    const s = parseSchedule("0 0 31 * *");
    if (!s.ok) throw new Error(s.error);
    const skip = new PolicyWindows([s.value], H, at("2027-04-01T00:00Z"), {
      missingMonthDay: "skip",
      biweeklyFromMs: 0,
    });
    expect(new Date(skip.nextOpening(at("2027-04-01T00:00Z"))?.openMs ?? 0).toISOString()).toBe(
      "2027-05-31T00:00:00.000Z",
    );
    const roll = new PolicyWindows([s.value], H, at("2027-04-01T00:00Z"), {
      missingMonthDay: "rollover",
      biweeklyFromMs: 0,
    });
    expect(new Date(roll.nextOpening(at("2027-04-01T00:00Z"))?.openMs ?? 0).toISOString()).toBe(
      "2027-05-01T00:00:00.000Z",
    );
  });
});

describe("the documentation's scenarios (maintenance-policy page, scenario table)", () => {
  it("single profile update: every cluster on 2.0.0 in the next window", () => {
    const r = templateSchedule(input({ versions: [v("1.0.0"), v("2.0.0", "2026-12-08T10:00Z")] }));
    expect(r.versions[1]).toMatchObject({
      state: "applied",
      windows: 1,
      pickedAtMs: at("2026-12-13T00:00Z"),
    });
    expect(r.versions[1]?.everywhereAtMs).toBe(at("2026-12-13T01:00Z"));
    expect(r.finalVersion.every((x) => x === 1)).toBe(true);
    expect(r.blockedMs).toBe(0);
  });

  it("two updates before a window: 2.0.0 is skipped, 3.0.0 rolls", () => {
    const r = templateSchedule(
      input({ versions: [v("1.0.0"), v("2.0.0", "2026-12-08T10:00Z"), v("3.0.0", "2026-12-10T10:00Z")] }),
    );
    expect(r.versions[1]).toMatchObject({ state: "skipped", skippedFor: 2, windows: 0 });
    expect(r.versions[2]).toMatchObject({ state: "applied", windows: 1 });
    expect(r.rollouts.every((x) => x.from === 0 && x.to === 2)).toBe(true);
  });

  it("an update during a rollout waits until every cluster is on 2.0.0, then rolls in the next window", () => {
    const r = templateSchedule(
      input({
        assume: { concurrency: 5, windowClose: "finish", upgradeNowMs: Number.POSITIVE_INFINITY },
        versions: [v("1.0.0"), v("2.0.0", "2026-12-08T10:00Z"), v("3.0.0", "2026-12-13T00:30Z")],
      }),
    );
    expect(r.versions[1]).toMatchObject({ state: "applied", everywhereAtMs: at("2026-12-13T02:00Z") });
    // Not in what is left of the window that finished 2.0.0: the next one.
    expect(r.versions[2]).toMatchObject({ state: "applied", pickedAtMs: at("2026-12-20T00:00Z") });
    expect(r.rollouts.filter((x) => x.to === 2).every((x) => x.from === 1)).toBe(true);
  });

  it("a window too short: partially applied, unblocked by the next window", () => {
    const r = templateSchedule(
      input({
        windows: weekly(1),
        assume: { concurrency: 4, windowClose: "finish", upgradeNowMs: Number.POSITIVE_INFINITY },
        outcome: () => ({ result: "converged", durationMs: 40 * 60_000 }),
        versions: [v("1.0.0"), v("2.0.0", "2026-12-08T10:00Z"), v("3.0.0", "2026-12-14T00:00Z")],
      }),
    );
    // 4 at 00:00, 4 at 00:40, none at 01:20 (closed): 2 left → partial from 01:00 until the next window finishes them.
    expect(r.versions[1]?.partial[0]).toEqual({
      fromMs: at("2026-12-13T01:00Z"),
      untilMs: at("2026-12-20T00:00Z"),
    });
    expect(r.versions[1]).toMatchObject({ windows: 2, everywhereAtMs: at("2026-12-20T00:40Z") });
    // 3.0.0 is as short of room: partially applied for another week.
    expect(r.blockedMs).toBe(2 * (7 * DAY - H));
    // 3.0.0, published while partial, rolls in the window after.
    expect(r.versions[2]).toMatchObject({ pickedAtMs: at("2026-12-27T00:00Z") });
  });

  it("Upgrade now retries a partially applied template at once", () => {
    const r = templateSchedule(
      input({
        windows: weekly(1),
        upgradeNowMs: [at("2026-12-14T09:00Z")],
        assume: { concurrency: 4, windowClose: "finish", upgradeNowMs: Number.POSITIVE_INFINITY },
        outcome: () => ({ result: "converged", durationMs: 40 * 60_000 }),
        versions: [v("1.0.0"), v("2.0.0", "2026-12-08T10:00Z")],
      }),
    );
    expect(r.sessions.map((s) => [s.kind, s.action])).toEqual([
      ["window", "rolls"],
      ["upgrade-now", "retries"],
    ]);
    expect(r.versions[1]?.everywhereAtMs).toBe(at("2026-12-14T09:40Z"));
  });

  it("a version with an unassigned variable never rolls; a later one replaces it", () => {
    const r = templateSchedule(
      input({
        versions: [
          v("1.0.0"),
          { ...v("2.0.0", "2026-12-08T10:00Z"), blockedBy: "variable ntp unassigned at 3 sites" },
          v("3.0.0", "2026-12-15T10:00Z"),
        ],
      }),
    );
    expect(r.sessions[0]).toMatchObject({ action: "blocked", version: 1 });
    expect(r.versions[1]).toMatchObject({ state: "skipped", skippedFor: 2 });
    expect(r.versions[2]).toMatchObject({ state: "applied", pickedAtMs: at("2026-12-20T00:00Z") });
  });

  it("a failed cluster stays on its version and is retried in the next window", () => {
    const r = templateSchedule(
      input({
        outcome: (site, _f, _t, attempt) => ({
          result: site === 3 && attempt === 0 ? "failed" : "converged",
          durationMs: H,
        }),
        versions: [v("1.0.0"), v("2.0.0", "2026-12-08T10:00Z")],
      }),
    );
    expect(r.versions[1]?.partial[0]).toEqual({
      fromMs: at("2026-12-13T04:00Z"),
      untilMs: at("2026-12-20T00:00Z"),
    });
    expect(r.rollouts.filter((x) => x.site === 3).map((x) => x.attempt)).toEqual([0, 1]);
    expect(r.versions[1]?.windows).toBe(2);
  });
});
