import type { Rng } from "../shared/rng.js";
import type { TimelineEntry } from "./types.js";

/** The clock the controller and its actors run on (xstate's `Clock`, plus scheduling). */
export interface ControllerClock {
  readonly now: number;
  schedule(delayMs: number, fn: () => void): number;
  scheduleAt(at: number, fn: () => void): number;
  cancel(id: number): void;
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number;
  clearTimeout(id: unknown): void;
}

/** A state change of one actor (a node or the agent), at virtual time `t`. */
export interface TransitionEvent {
  t: number;
  /** Node name, or `agent`. */
  actor: string;
  from: string;
  to: string;
}

export interface ControllerDeps {
  clock: ControllerClock;
  rng: Rng;
  /** Gets every timeline entry as it is recorded. */
  onEntry?: (entry: TimelineEntry) => void;
  /** Gets actor state changes; asked first whether anyone listens (thousands of node transitions). */
  onTransition?: { wanted: () => boolean; emit: (event: TransitionEvent) => void };
}
