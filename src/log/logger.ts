import { type Logger, pino } from "pino";
import { formatClock } from "../shared/duration.js";

/** Anything with a virtual `now` in ms (a VirtualClock). */
export interface VirtualTimeSource {
  readonly now: number;
}

/**
 * A pino logger whose lines carry VIRTUAL time: `time` is virtual ms since the start of the run and `vt` the
 * same as `HH:MM:SS`, so logs of a simulated hour read like the hour, and two runs with the same seed log
 * the same bytes. With no destination it is silent, and cheap: a silent pino level is a no-op function, so
 * nothing is serialised. With a path, lines are written synchronously (NDJSON), so a crash loses nothing.
 * This module is an edge: the simulation hands its timeline entries to a bus and knows nothing of logs,
 * levels or pino; `logTimeline` (src/log/policy.ts) subscribes a logger to that bus, at each entry's level.
 */
export function createSimLogger(destination: string | undefined, clock: VirtualTimeSource): Logger {
  if (!destination) return pino({ level: "silent", enabled: false });
  return pino(
    {
      level: "info",
      base: undefined,
      timestamp: () => `,"time":${clock.now},"vt":"${formatClock(clock.now)}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: destination, sync: true, mkdir: true }),
  );
}
