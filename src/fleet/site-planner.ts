import type { PlanTable } from "../rules/plan-table.js";
import type { Site } from "./load.js";

/**
 * The plans of a site: the fleet's table, or its table for the site's own delivery mode (a fleet file's
 * cluster `mode`, a plan's `cluster.mode` or a site's `mode`). Plans are kept per (mode, from, to), so a
 * `sysext` site never gets the plan of an `agent` one. Its own module: the loader (timings classes), the
 * map step and the worker threads use it, and it loads nothing.
 */
export function sitePlanner(site: Pick<Site, "own">, planner: PlanTable): PlanTable {
  const mode = site.own?.mode;
  return mode === undefined ? planner : planner.forMode(mode);
}
