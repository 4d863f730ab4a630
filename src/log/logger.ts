import { type Logger, pino } from "pino";
import { formatClock } from "../shared/duration.js";
import type { Bus } from "../sim/bus.js";
import type { FleetTimelineEntry, TimelineEntry } from "../sim/types.js";

/** The few logger methods a log of the simulation calls; a pino logger satisfies it. */
export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}

/** Timeline events worth more than `info` in a log: what an operator scanning for trouble greps for. */
const LOG_LEVELS: Partial<Record<TimelineEntry["event"] | FleetTimelineEntry["event"], "warn" | "error">> = {
  "kubernetes-down": "warn",
  "agent-blocked": "warn",
  "action-failed": "warn",
  "action-retried": "warn",
  "node-waiting": "warn",
  "node-rejoin-waiting": "warn",
  "image-fallback": "warn",
  "update-refused": "warn",
  "rollout-halted": "error",
  "update-rejected": "error",
  "fleet-halted": "error",
};

/** Writes one timeline entry at its level (warn/error where the logger has them, else info). */
export function logEntry(logger: SimLogger, entry: TimelineEntry | FleetTimelineEntry): void {
  const level = LOG_LEVELS[entry.event];
  const write = (level && logger[level]) || logger.info;
  write.call(logger, entry, entry.event);
}

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
 * levels or pino; `logTimeline` subscribes a logger to that bus, at each entry's level (`logEntry`).
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

/** One log line per timeline entry on the bus, at the entry's level; returns a function that unsubscribes. */
export function logTimeline(bus: Bus, logger: SimLogger): () => void {
  const onEntry = (entry: TimelineEntry) => logEntry(logger, entry);
  bus.on("timeline", onEntry);
  return () => bus.off("timeline", onEntry);
}
