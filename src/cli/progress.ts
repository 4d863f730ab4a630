import { formatDuration } from "../shared/duration.js";

/** What a progress bar reports: `done` of `total` `unit`. */
export type ProgressUpdate = (done: number, total: number, unit: string) => void;

export interface ProgressOptions {
  /** Milliseconds since some origin (the wall clock; a test's own clock). */
  now?: () => number;
  /** The least time between two redraws: at most ~10 a second by default. */
  minIntervalMs?: number;
  width?: number;
}

/**
 * A one-line bar on a terminal's stderr: `[####......] 1200/5000 site simulation(s), about 42s left`. It is
 * redrawn at most every `minIntervalMs` (and at the end), whatever the number of updates: 100,000 sites
 * draw a few dozen lines, not thousands. The time left is the work left at the rate of the later half of
 * the time since the first update (the work done since the redraw nearest its middle, over the time
 * since then): the start-up before any work (loading, planning, starting threads) is not spread over
 * the work, and neither, once the run is under way, is the slower first stretch of it (threads warming
 * up), so the figure at a quarter of the run is what the rest takes at the rate it then goes. No time
 * left is shown until a second update gives a rate.
 */
export function progressBar(write: (text: string) => void, options: ProgressOptions = {}): ProgressUpdate {
  const now = options.now ?? (() => performance.now());
  const minIntervalMs = options.minIntervalMs ?? 100;
  const width = options.width ?? 30;
  let origin: { t: number; done: number } | undefined;
  let last: number | undefined;
  /** The first update and the redraws since, oldest first: those before the later half are dropped. */
  const samples: { t: number; done: number }[] = [];
  return (done, total, unit) => {
    const t = now();
    if (!origin) {
      origin = { t, done };
      samples.push(origin);
    }
    if (done < total && last !== undefined && t - last < minIntervalMs) return;
    last = t;
    const middle = origin.t + (t - origin.t) / 2;
    while (samples.length > 1 && (samples[1] as { t: number }).t <= middle) samples.shift();
    const base = samples[0] as { t: number; done: number };
    samples.push({ t, done });
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * width);
    const elapsed = t - base.t;
    const since = done - base.done;
    const left =
      done >= total
        ? ""
        : since > 0 && elapsed > 0
          ? `, about ${formatDuration(Math.ceil(((elapsed / since) * (total - done)) / 1000) * 1000)} left`
          : "";
    write(`\r\u001b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${unit}${left}`);
  };
}
