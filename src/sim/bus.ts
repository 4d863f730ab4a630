import { EventEmitter } from "eventemitter3";
import type { TimelineEntry } from "./types.js";

/** A state change of one actor (a node or the agent), at virtual time `t`. */
export interface TransitionEvent {
  t: number;
  /** Node name, or `agent`. */
  actor: string;
  from: string;
  to: string;
}

export interface BusEvents {
  timeline: [entry: TimelineEntry];
  transition: [event: TransitionEvent];
}

/**
 * Everything the simulation does, as events: the edges (logs, reports, live views) subscribe here instead of
 * being called by the core.
 */
export class Bus extends EventEmitter<BusEvents> {}

export function createBus(): Bus {
  return new Bus();
}
