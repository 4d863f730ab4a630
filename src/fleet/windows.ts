import { DateTime, IANAZone } from "luxon";

/**
 * Maintenance windows in a site's local time: `Mon-Fri 01:00-05:00`, `Sat,Sun 22:00-04:00`,
 * `daily 02:00-04:00`, several joined with `;`. The days name the day the window *opens*; an end at or
 * before the start closes it the next day (a window across midnight). `always` means no window.
 *
 * Local times become instants with luxon over the platform's IANA data — no zone rules here. On a
 * spring-forward night the window is shorter (America/New_York `01:00-05:00` lasts 3 h on 8 March
 * 2026), on a fall-back night longer (5 h on 1 November 2026). A wall time that does not exist that
 * night (02:30 in New York on 8 March) moves forward by the gap (03:30), as luxon and Temporal's
 * `compatible` disambiguation do; a wall time that happens twice means its first occurrence.
 */
export interface WindowRule {
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which the window opens. */
  days: readonly number[];
  startMinute: number;
  endMinute: number;
}

export interface MaintenanceWindow {
  text: string;
  /** Empty for `always`. */
  rules: readonly WindowRule[];
}

/** One opening of a window, in UTC ms. */
export interface WindowInstance {
  startMs: number;
  endMs: number;
}

const FULL_DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** ISO weekday of a day name: `Mon`, `Tues`, `Monday` (a prefix of the full name, at least three letters); 0 if none. */
function dayNumber(text: string): number {
  const name = text.trim();
  if (name.length < 3) return 0;
  return FULL_DAY_NAMES.findIndex((full) => full.startsWith(name)) + 1;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a window; a problem comes back as a message (the loader adds where it stands). */
export function parseWindow(text: string): Parsed<MaintenanceWindow> {
  const trimmed = text.trim();
  if (/^always$/i.test(trimmed)) return { ok: true, value: { text: trimmed, rules: [] } };
  const rules: WindowRule[] = [];
  for (const part of trimmed.split(";")) {
    const match = /^\s*(?:([A-Za-z,\- ]+?)\s+)?(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(part);
    if (!match) {
      return {
        ok: false,
        error: `window "${part.trim()}" does not parse: expected DAYS HH:MM-HH:MM, e.g. "Mon-Fri 01:00-05:00" or "daily 22:00-04:00"`,
      };
    }
    const days = parseDays(match[1] ?? "daily");
    if (!days.ok) return days;
    const start = Number(match[2]) === 24 ? undefined : minutes(Number(match[2]), Number(match[3]));
    const end = minutes(Number(match[4]), Number(match[5]));
    if (start === undefined || end === undefined) {
      return {
        ok: false,
        error: `window "${part.trim()}": hours are 00..23 (24:00 only as an end), minutes 00..59`,
      };
    }
    if (start === end)
      return { ok: false, error: `window "${part.trim()}" is empty: start and end are the same` };
    rules.push({ days: days.value, startMinute: start, endMinute: end === 24 * 60 ? 0 : end });
  }
  return { ok: true, value: { text: trimmed, rules } };
}

function minutes(hour: number, minute: number): number | undefined {
  if (minute > 59 || hour > 24 || (hour === 24 && minute !== 0)) return undefined;
  return hour * 60 + minute;
}

function parseDays(text: string): Parsed<number[]> {
  const days = new Set<number>();
  for (const raw of text.toLowerCase().split(",")) {
    const item = raw.trim();
    if (item === "daily" || item === "every day") {
      for (let d = 1; d <= 7; d++) days.add(d);
      continue;
    }
    if (item === "weekdays") {
      for (let d = 1; d <= 5; d++) days.add(d);
      continue;
    }
    if (item === "weekends") {
      days.add(6).add(7);
      continue;
    }
    const range = item.split("-").map(dayNumber);
    if (range.length > 2 || range.some((d) => d === 0)) {
      return {
        ok: false,
        error: `"${raw.trim()}" is not a day: use Mon..Sun, ranges like Mon-Fri, daily, weekdays or weekends`,
      };
    }
    const [from, to = from] = range as [number, number?];
    // Fri-Mon wraps over the weekend.
    for (let d = from; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === to) break;
    }
  }
  return { ok: true, value: [...days].sort((a, b) => a - b) };
}

const canonicalZones = new Map<string, string>();

/**
 * The zone's name with the platform's capitals (`america/chicago` → `America/Chicago`), so one zone
 * counts once; a name the platform does not know comes back unchanged.
 */
export function canonicalZone(zone: string): string {
  let name = canonicalZones.get(zone);
  if (name === undefined) {
    try {
      const resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
      // Only the spelling is normalised: a link (US/Central) keeps the name the user wrote.
      name = resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
    } catch {
      name = zone;
    }
    canonicalZones.set(zone, name);
  }
  return name;
}

const validZones = new Map<string, boolean>();

/** True when `zone` is an IANA time zone the platform knows. */
export function isTimeZone(zone: string): boolean {
  // Asked once per site: a fleet has a handful of zones, and luxon's check is not cheap.
  let known = validZones.get(zone);
  if (known === undefined) {
    known = IANAZone.isValidZone(zone);
    validZones.set(zone, known);
  }
  return known;
}

/** The window's openings that overlap [fromMs, untilMs), in order; overlapping openings are merged. */
export function windowInstances(
  window: MaintenanceWindow,
  zone: string,
  fromMs: number,
  untilMs: number,
): WindowInstance[] {
  if (window.rules.length === 0) return [{ startMs: fromMs, endMs: untilMs }];
  const out: WindowInstance[] = [];
  // A window opening the day before `from` may still be open at `from`.
  let day = DateTime.fromMillis(fromMs, { zone }).startOf("day").minus({ days: 1 });
  const last = DateTime.fromMillis(untilMs, { zone }).startOf("day");
  while (day <= last) {
    for (const rule of window.rules) {
      if (!rule.days.includes(day.weekday)) continue;
      const start = wallTime(day, rule.startMinute, zone);
      const endDay = rule.endMinute <= rule.startMinute ? day.plus({ days: 1 }) : day;
      const end = wallTime(endDay, rule.endMinute, zone);
      if (end > fromMs && start < untilMs && end > start) out.push({ startMs: start, endMs: end });
    }
    day = day.plus({ days: 1 });
  }
  out.sort((a, b) => a.startMs - b.startMs);
  const merged: WindowInstance[] = [];
  for (const w of out) {
    const prev = merged.at(-1);
    if (prev && w.startMs <= prev.endMs) prev.endMs = Math.max(prev.endMs, w.endMs);
    else merged.push({ ...w });
  }
  return merged;
}

/**
 * The instant a local date's wall time `minute` (since midnight) falls on. Offsets come from luxon's
 * zone data: of the offsets in force a day either side, the earliest instant whose offset matches is
 * the answer (a wall time that happens twice means its first occurrence); when none matches, the time
 * does not exist that night and moves forward by the gap.
 */
function wallTime(day: DateTime, minute: number, zone: string): number {
  const tz = IANAZone.create(zone);
  const asUtc = Date.UTC(day.year, day.month - 1, day.day, Math.floor(minute / 60), minute % 60);
  const before = tz.offset(asUtc - 86_400_000);
  const after = tz.offset(asUtc + 86_400_000);
  const matches = [before, after]
    .map((offset) => asUtc - offset * 60_000)
    .filter((instant) => asUtc - tz.offset(instant) * 60_000 === instant)
    .sort((a, b) => a - b);
  return matches[0] ?? asUtc - before * 60_000;
}

/** `fits`: start only when the predicted rollout ends inside the window; `start-only`: any time the window is open. */
export type WindowMode = "fits" | "start-only";

/**
 * A site's openings, computed a few weeks at a time and kept (sites that share a zone and a window
 * share one calendar).
 */
export class WindowCalendar {
  private readonly instances: WindowInstance[] = [];
  private coveredUntil: number;
  constructor(
    readonly window: MaintenanceWindow,
    readonly zone: string,
    private readonly originMs: number,
    /** How far past the origin to look before calling a site unschedulable. */
    readonly horizonMs: number,
  ) {
    this.coveredUntil = originMs;
  }

  private extend(untilMs: number): void {
    const target = Math.min(untilMs, this.originMs + this.horizonMs);
    while (this.coveredUntil < target) {
      const next = Math.min(this.coveredUntil + 28 * 86_400_000, this.originMs + this.horizonMs);
      for (const w of windowInstances(this.window, this.zone, this.coveredUntil, next)) {
        const prev = this.instances.at(-1);
        if (prev && w.startMs <= prev.endMs) prev.endMs = Math.max(prev.endMs, w.endMs);
        else this.instances.push({ ...w });
      }
      this.coveredUntil = next;
    }
  }

  /**
   * The earliest instant ≥ `t` a rollout of `needMs` may start: inside an opening, and (mode `fits`)
   * with at least `needMs` of it left. Undefined when none within the horizon.
   */
  nextStart(
    t: number,
    needMs: number,
    mode: WindowMode,
  ): { startMs: number; windowEndMs: number } | undefined {
    if (this.window.rules.length === 0) return { startMs: t, windowEndMs: Number.POSITIVE_INFINITY };
    let from = t;
    for (;;) {
      this.extend(from + 8 * 86_400_000);
      const found = this.instances.find((w) => w.endMs > from);
      if (!found) {
        if (this.coveredUntil >= this.originMs + this.horizonMs) return undefined;
        from = this.coveredUntil;
        continue;
      }
      const start = Math.max(found.startMs, t);
      const room = found.endMs - start;
      if (mode === "start-only" ? room > 0 : room >= needMs)
        return { startMs: start, windowEndMs: found.endMs };
      from = found.endMs;
      if (from >= this.originMs + this.horizonMs) return undefined;
    }
  }

  /** The longest opening within the horizon (0 when the window never opens). */
  longestMs(): number {
    if (this.window.rules.length === 0) return Number.POSITIVE_INFINITY;
    this.extend(this.originMs + this.horizonMs);
    return this.instances.reduce((max, w) => Math.max(max, w.endMs - w.startMs), 0);
  }
}

/** A site as the schedule sees it: its calendar, its fault-free rollout, the image it downloads. */
export interface ScheduleSite {
  name: string;
  calendar: WindowCalendar;
  /** The fault-free rollout time, what windows are fitted against. */
  predictedMs: number;
  /** Bits the site pulls from the central registry, as its link and the registry move them (bits per second; 0: nothing to download). */
  downloadBits: number;
  linkBps: number;
}

/** What a window must hold for the site: its fault-free rollout, plus the download unless prefetched. */
export function windowNeedMs(site: ScheduleSite, prefetch: boolean): number {
  const download = !prefetch && site.downloadBits > 0 ? (site.downloadBits / site.linkBps) * 1000 : 0;
  return Math.ceil(site.predictedMs + download);
}

/**
 * No window of the site's calendar can ever take it (`fits`: none is long enough; `start-only`: it has
 * none): it is reported unschedulable and never rolled, whatever the wave, the trial or the strategy.
 */
export function neverFits(site: ScheduleSite, windowMode: WindowMode, prefetch: boolean): boolean {
  const longest = site.calendar.longestMs();
  return windowMode === "fits" ? longest < windowNeedMs(site, prefetch) : longest <= 0;
}

/**
 * `2026-12-07 01:00 CST`-style local time of an instant in a zone, for calendars: the zone's abbreviation
 * where one exists (CST, CET, JST, IST, AEDT), else its UTC offset (`UTC+4`, `UTC+5:45`).
 */
export function localTime(ms: number, zone: string): string {
  const steady = steadyHour(ms, zone);
  if (steady !== undefined) {
    const text = minuteText(ms + steady.offset * 60_000, " ");
    if (text !== undefined) return `${text} ${steady.abbreviation}`;
  }
  // A zone object (luxon keeps one per name), not its name: a name is validated again at every call.
  const local = DateTime.fromMillis(ms, { zone: IANAZone.create(zone) });
  return `${local.toFormat("yyyy-MM-dd HH:mm")} ${zoneAbbreviation(ms, zone, local.offset)}`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Zones by name, numbered for the hours' keys. */
const zoneNumbers = new Map<string, number>();
/**
 * A zone's offset in minutes and its abbreviation over each UTC hour asked about, by `hour * 2^20 + zone`
 * (null: the offset changes within that hour, or is not whole minutes). Per-site output asks millions of
 * times for a few thousand hours; luxon computes the offset anew each time (Intl's parts of a date).
 * Cleared when large.
 */
const steadyHours = new Map<number, { offset: number; abbreviation: string } | null>();
const MAX_STEADY_HOURS = 200_000;

/**
 * The zone's offset at `ms`, and its abbreviation, when the offset is the same over the whole UTC hour
 * around it and whole minutes (luxon's offset, asked at the hour's first and last millisecond; no zone
 * changes its offset twice within an hour), else undefined. The abbreviation is `zoneAbbreviation`'s,
 * asked at the first instant of the hour that is formatted, as each call did before.
 */
function steadyHour(ms: number, zone: string): { offset: number; abbreviation: string } | undefined {
  let z = zoneNumbers.get(zone);
  if (z === undefined) {
    // Fewer than 2^20 zones are numbered (there are about 600), so that the key below is exact.
    if (zoneNumbers.size >= 1_048_576) return undefined;
    z = zoneNumbers.size;
    zoneNumbers.set(zone, z);
  }
  const hour = Math.floor(ms / HOUR_MS);
  // Exact: a date's hours since 1970 are below 2^32.
  const key = hour * 1_048_576 + z;
  let steady = steadyHours.get(key);
  if (steady === undefined) {
    const iana = IANAZone.create(zone);
    const first = iana.offset(hour * HOUR_MS);
    const last = iana.offset(hour * HOUR_MS + HOUR_MS - 1);
    steady =
      first === last && Number.isInteger(first)
        ? { offset: first, abbreviation: zoneAbbreviation(ms, zone, first) }
        : null;
    if (steadyHours.size >= MAX_STEADY_HOURS) steadyHours.clear();
    steadyHours.set(key, steady);
  }
  return steady ?? undefined;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));
/** `HH:mm` of each minute of a day. */
const DAY_MINUTES = Array.from({ length: 1440 }, (_, m) => `${two(Math.floor(m / 60))}:${two(m % 60)}`);
/** `yyyy-MM-dd` of each day asked about, by days since 1970 (cleared when large). */
const dayTexts = new Map<number, string>();
const MAX_DAY_TEXTS = 100_000;

/**
 * `yyyy-MM-dd HH:mm` of an instant read in UTC (`sep` between date and time), as luxon's `toFormat`
 * and `Date`'s `toISOString` write it, for the years 1000 to 9999 (undefined outside them, and for a
 * fraction of a millisecond before 1970: the caller then asks luxon or `Date`).
 */
export function minuteText(ms: number, sep: " " | "T"): string | undefined {
  // A date truncates its milliseconds toward zero: the same as the floor below only from 1970 on.
  if (ms < 0 && !Number.isInteger(ms)) return undefined;
  const day = Math.floor(ms / DAY_MS);
  let date = dayTexts.get(day);
  if (date === undefined) {
    const d = new Date(day * DAY_MS);
    const year = d.getUTCFullYear();
    if (!(year >= 1000 && year <= 9999)) return undefined;
    date = `${year}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
    if (dayTexts.size >= MAX_DAY_TEXTS) dayTexts.clear();
    dayTexts.set(day, date);
  }
  return `${date}${sep}${DAY_MINUTES[Math.floor((ms - day * DAY_MS) / 60_000)]}`;
}

/**
 * Intl names a zone's abbreviation only in the locales that use it (CST in en-US, CET in en-GB, JST in
 * ja-JP, IST in en-IN, AEDT in en-AU); elsewhere it gives `GMT+9`. These locales are asked in turn and the
 * first abbreviation wins; with none, the offset is printed as `UTC±H[:MM]`.
 */
const ABBREVIATION_LOCALES = ["en-US", "en-GB", "en-CA", "en-AU", "en-NZ", "en-IN", "ja-JP"];
const formatters = new Map<string, Intl.DateTimeFormat[]>();
/** By zone and offset (standard and daylight time differ): a fleet prints the same few many times. */
const abbreviations = new Map<string, string>();

function zoneAbbreviation(ms: number, zone: string, offsetMinutes: number): string {
  const key = `${zone}\u0000${offsetMinutes}`;
  const known = abbreviations.get(key);
  if (known !== undefined) return known;
  let found: string | undefined;
  for (const format of zoneFormatters(zone)) {
    const name = format.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value;
    if (name !== undefined && /^[A-Z]{2,5}$/.test(name)) {
      found = name;
      break;
    }
  }
  const text = found ?? utcOffset(offsetMinutes);
  abbreviations.set(key, text);
  return text;
}

function zoneFormatters(zone: string): Intl.DateTimeFormat[] {
  let list = formatters.get(zone);
  if (!list) {
    list = ABBREVIATION_LOCALES.map(
      (locale) => new Intl.DateTimeFormat(locale, { timeZoneName: "short", timeZone: zone }),
    );
    formatters.set(zone, list);
  }
  return list;
}

/** `UTC+9`, `UTC-3:30`, `UTC` for 0. */
export function utcOffset(minutes: number): string {
  if (minutes === 0) return "UTC";
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `UTC${sign}${h}${m === 0 ? "" : `:${String(m).padStart(2, "0")}`}`;
}

export function utcTime(ms: number): string {
  const text = minuteText(ms, " ");
  if (text !== undefined) return `${text}Z`;
  return DateTime.fromMillis(ms, { zone: "UTC" }).toFormat("yyyy-MM-dd HH:mm'Z'");
}

/** Parses `2026-12-07T00:00Z` (any ISO 8601 date-time with an offset, or a date meaning UTC midnight). */
export function parseInstant(text: string): number | undefined {
  const value = DateTime.fromISO(text.trim(), { zone: "UTC", setZone: false });
  return value.isValid ? value.toMillis() : undefined;
}
