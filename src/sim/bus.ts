import { EventEmitter } from "eventemitter3";
import type { TransitionEvent } from "../controller/controller.js";
import type { TimelineEntry } from "./types.js";

export type { TransitionEvent };

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
