const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/**
 * Parses a duration such as `30s`, `5m`, `1h30m`, `250ms`, or a bare number of seconds, into
 * milliseconds. Returns `undefined` for anything else (negative values and values too large for a
 * number included).
 */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === "number")
    return Number.isFinite(input) && input >= 0 ? finite(Math.round(input * 1000)) : undefined;
  if (typeof input !== "string") return undefined;
  const text = input.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return finite(Math.round(Number(text) * 1000));
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
    consumed = PART.lastIndex;
  }
  return consumed === text.length ? finite(Math.round(total)) : undefined;
}

/** A run of digits too long for a double reads as Infinity: that is no duration, just a typo. */
function finite(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}

/** Formats virtual milliseconds as `HH:MM:SS` (with `.mmm` when not whole seconds). */
export function formatClock(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const millis = ms % 1000;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  return millis === 0 ? base : `${base}.${pad(millis, 3)}`;
}

/**
 * The one format for a length of time, everywhere (run, test, report, plan's estimate): `1h8m55s`,
 * `45s`, rounded to the second; under a second, `250ms`. Points in time use `formatClock`.
 *
 * A run's duration has one definition too: `durationMs` of the simulation, from the first update
 * to the end of the last rollout (not from 00:00:00, and not the last timeline entry).
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  let out = "";
  for (const [unit, size] of [
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
