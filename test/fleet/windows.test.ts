import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  localTime,
  minuteText,
  parseInstant,
  parseWindow,
  utcTime,
  WindowCalendar,
  windowInstances,
} from "../../src/fleet/windows.js";
import { Rng } from "../../src/shared/rng.js";

const H = 3_600_000;
const win = (text: string) => {
  const parsed = parseWindow(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};
const at = (iso: string) => parseInstant(iso) as number;
const iso = (ms: number) => new Date(ms).toISOString().replace(":00.000Z", "Z");

/** The openings of `window` in `zone` whose local opening day is `day` (the first instance after local noon the day before). */
function openingOn(window: string, zone: string, fromIso: string, untilIso: string) {
  return windowInstances(win(window), zone, at(fromIso), at(untilIso)).map((w) => ({
    start: iso(w.startMs),
    end: iso(w.endMs),
    hours: (w.endMs - w.startMs) / H,
  }));
}

describe("maintenance windows across DST changes", () => {
  it.each([
    // zone, night, expected UTC opening, hours
    [
      "America/New_York",
      "spring forward (8 Mar 2026): 01:00 EST to 05:00 EDT is 3 h",
      "2026-03-07T12:00Z",
      "2026-03-08T12:00Z",
      "2026-03-08T06:00Z",
      "2026-03-08T09:00Z",
      3,
    ],
    [
      "America/New_York",
      "fall back (1 Nov 2026): 01:00 EDT (first of two) to 05:00 EST is 5 h",
      "2026-10-31T12:00Z",
      "2026-11-01T12:00Z",
      "2026-11-01T05:00Z",
      "2026-11-01T10:00Z",
      5,
    ],
    [
      "Europe/London",
      "spring forward (29 Mar 2026): 00:00 GMT to 04:00 BST is 3 h",
      "2026-03-28T12:00Z",
      "2026-03-29T12:00Z",
      "2026-03-29T00:00Z",
      "2026-03-29T03:00Z",
      3,
    ],
    [
      "Europe/London",
      "fall back (25 Oct 2026): 00:00 BST to 04:00 GMT is 5 h",
      "2026-10-24T12:00Z",
      "2026-10-25T12:00Z",
      "2026-10-24T23:00Z",
      "2026-10-25T04:00Z",
      5,
    ],
    [
      "Australia/Lord_Howe",
      "30-minute spring forward (4 Oct 2026): 4 h window lasts 3.5 h",
      "2026-10-03T00:00Z",
      "2026-10-04T00:00Z",
      "2026-10-03T14:30Z",
      "2026-10-03T18:00Z",
      3.5,
    ],
    [
      "Australia/Lord_Howe",
      "30-minute fall back (5 Apr 2026): 4 h window lasts 4.5 h",
      "2026-04-04T00:00Z",
      "2026-04-05T00:00Z",
      "2026-04-04T14:00Z",
      "2026-04-04T18:30Z",
      4.5,
    ],
  ])("%s: %s", (zone, _what, from, until, start, end, hours) => {
    const daily = openingOn("daily 01:00-05:00", zone, from, until);
    const londonStyle = zone === "Europe/London" ? openingOn("daily 00:00-04:00", zone, from, until) : daily;
    expect(londonStyle).toContainEqual({ start, end, hours });
  });

  it("moves a wall time that does not exist forward by the gap (02:30 on a New York spring-forward night is 03:30 EDT)", () => {
    expect(
      openingOn("daily 02:30-04:00", "America/New_York", "2026-03-08T00:00Z", "2026-03-08T12:00Z"),
    ).toEqual([{ start: "2026-03-08T07:30Z", end: "2026-03-08T08:00Z", hours: 0.5 }]);
  });

  it("on an ordinary night the same window lasts its 4 hours", () => {
    expect(
      openingOn("daily 01:00-05:00", "America/New_York", "2026-03-14T12:00Z", "2026-03-15T12:00Z"),
    ).toContainEqual({ start: "2026-03-15T05:00Z", end: "2026-03-15T09:00Z", hours: 4 });
  });
});

describe("windows across midnight", () => {
  it("a Friday 22:00-04:00 window closes on Saturday, local time", () => {
    expect(openingOn("Fri 22:00-04:00", "America/Chicago", "2026-12-07T00:00Z", "2026-12-14T00:00Z")).toEqual(
      [{ start: "2026-12-12T04:00Z", end: "2026-12-12T10:00Z", hours: 6 }],
    );
  });

  it("a window already open at the start counts from the start", () => {
    const cal = new WindowCalendar(win("daily 22:00-04:00"), "UTC", at("2026-12-07T00:00Z"), 30 * 24 * H);
    expect(cal.nextStart(at("2026-12-07T01:00Z"), H, "fits")).toEqual({
      startMs: at("2026-12-07T01:00Z"),
      windowEndMs: at("2026-12-07T04:00Z"),
    });
  });
});

describe("fits or waits", () => {
  const cal = new WindowCalendar(
    win("Mon-Fri 01:00-05:00"),
    "America/New_York",
    at("2026-12-07T00:00Z"),
    30 * 24 * H,
  );
  it("fits: a rollout that does not fit the rest of tonight's window waits for the next one", () => {
    // 04:00 EST on Monday: 1 h left, a 2 h rollout waits for Tuesday 01:00 EST.
    expect(cal.nextStart(at("2026-12-07T09:00Z"), 2 * H, "fits")?.startMs).toBe(at("2026-12-08T06:00Z"));
  });
  it("start-only: it starts while the window is open", () => {
    expect(cal.nextStart(at("2026-12-07T09:00Z"), 2 * H, "start-only")?.startMs).toBe(
      at("2026-12-07T09:00Z"),
    );
  });
  it("Friday night's window is followed by Monday's", () => {
    expect(cal.nextStart(at("2026-12-11T10:00Z"), H, "fits")?.startMs).toBe(at("2026-12-14T06:00Z"));
  });
  it("a rollout longer than every window never fits", () => {
    expect(cal.nextStart(at("2026-12-07T00:00Z"), 5 * H, "fits")).toBeUndefined();
    expect(cal.longestMs()).toBe(4 * H);
  });
});

describe("parsing windows", () => {
  it.each([
    "Mon-Fri 01:00-05:00",
    "Sat,Sun 22:00-04:00",
    "daily 02:00-04:00",
    "Fri-Mon 00:00-24:00",
    "weekdays 01:00-02:00; Sun 00:00-06:00",
    "always",
  ])("accepts %s", (text) => {
    expect(parseWindow(text).ok).toBe(true);
  });
  it.each([
    ["Mon-Fri 1am-5am", "does not parse"],
    ["Funday 01:00-05:00", "is not a day"],
    ["Mon 25:00-05:00", "hours are 00..23"],
    ["Mon 01:00-01:00", "is empty"],
  ])("rejects %s", (text, message) => {
    const parsed = parseWindow(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
  it("Fri-Mon wraps over the weekend", () => {
    const parsed = parseWindow("Fri-Mon 01:00-02:00");
    expect(parsed.ok && parsed.value.rules[0]?.days).toEqual([1, 5, 6, 7]);
  });
});

describe("local and UTC times of the per-site output", () => {
  // What both functions wrote before they formatted instants themselves: luxon for every call.
  const luxonLocal = (ms: number, zone: string) => {
    const local = DateTime.fromMillis(ms, { zone });
    return local.toFormat("yyyy-MM-dd HH:mm");
  };
  const zones = [
    "America/New_York",
    "America/St_Johns", // UTC-3:30, its changes at 02:00 local (05:30 UTC)
    "Australia/Lord_Howe", // a change of 30 minutes
    "Asia/Kathmandu", // UTC+5:45
    "Pacific/Chatham", // UTC+12:45 / +13:45
    "Europe/Dublin", // negative DST in the tz data
    "Africa/Casablanca", // DST suspended for Ramadan every year
    "UTC",
  ];

  it("are luxon's, minute for minute, across offset changes, old dates and far years", () => {
    const rng = new Rng(7);
    const instants: number[] = [];
    // Either side of every half hour of the months in which those zones change (some at :30 UTC).
    for (const [from, until] of [
      ["2026-02-10T00:00Z", "2026-04-15T00:00Z"],
      ["2026-09-20T00:00Z", "2026-11-10T00:00Z"],
    ] as const)
      for (let ms = at(from); ms < at(until); ms += H / 2)
        instants.push(ms - 1, ms + Math.floor(rng.next() * 1000));
    // Local mean times (offsets in seconds) and years luxon pads or signs itself.
    for (const iso of ["1850-06-01T00:00Z", "1883-11-18T17:00Z", "0999-12-31T23:59Z", "+010000-01-01T00:00Z"])
      instants.push(Date.parse(iso));
    for (let i = 0; i < 2000; i++) instants.push(Math.floor((rng.next() - 0.3) * 4e12));
    // Fractions of a millisecond (a download's end), either side of 1970 and of an hour.
    for (const ms of [-0.5, -1.5, -3_600_000.25, 0.5, 3_599_999.75, at("2026-03-08T07:00Z") - 0.5])
      instants.push(ms);
    const wrong: string[] = [];
    for (const zone of zones)
      for (const ms of instants) {
        const text = localTime(ms, zone);
        const want = luxonLocal(ms, zone);
        if (text.slice(0, text.lastIndexOf(" ")) !== want)
          wrong.push(`${zone} ${ms}: ${text}, luxon ${want}`);
      }
    for (const ms of instants) {
      const want = DateTime.fromMillis(ms, { zone: "UTC" }).toFormat("yyyy-MM-dd HH:mm'Z'");
      if (utcTime(ms) !== want) wrong.push(`UTC ${ms}: ${utcTime(ms)}, luxon ${want}`);
      // The versions' ISO minutes, as Date writes them.
      const iso = minuteText(ms, "T");
      const date = new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, "Z");
      if (iso !== undefined && `${iso}Z` !== date) wrong.push(`ISO ${ms}: ${iso}Z, Date ${date}`);
    }
    expect(wrong).toEqual([]);
    expect(instants.length).toBeGreaterThan(10_000);
  });
});
