import { type Logger, pino } from "pino";
import { formatClock } from "../shared/duration.js";
import type { Bus } from "../sim/bus.js";
import { logEntry, type SimLogger, type TimelineEntry } from "../sim/types.js";

/** Anything with a virtual `now` in ms (a VirtualClock). */
export interface VirtualTimeSource {
  readonly now: number;
}

/**
 * A pino logger whose lines carry VIRTUAL time: `time` is virtual ms since the start of the run and `vt` the
 * same as `HH:MM:SS`, so logs of a simulated hour read like the hour, and two runs with the same seed log
 * the same bytes. With no destination it is silent, and cheap: a silent pino level is a no-op function, so
 * nothing is serialised. With a path, lines are written synchronously (NDJSON), so a crash loses nothing.
 * This module is an edge: the core takes the logger as a `SimLogger` and never imports pino.
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

/** One log line per timeline entry; returns a function that unsubscribes. (simulate() does this itself when
 * given a `logger`; use this for a bus you drive yourself.) */
export function logTimeline(bus: Bus, logger: SimLogger): () => void {
  const onEntry = (entry: TimelineEntry) => logEntry(logger, entry);
  bus.on("timeline", onEntry);
  return () => bus.off("timeline", onEntry);
}
