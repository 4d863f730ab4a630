import { renderFleetHtml } from "./html.js";
import { type FleetOverrides, type FleetSource, loadFleetSource } from "./orchestrate.js";
import type { FleetPlanRun } from "./result.js";
import { runFleetPlan } from "./run.js";

/**
 * `edgesim report FLEET`: the fleet rolled in this process, and its self-contained page. Its own module, so
 * that the charts (Observable Plot and the DOM it draws in) load only for a page, not for `edgesim fleet`.
 */
export function fleetReportPage(
  source: FleetSource,
  overrides: FleetOverrides = {},
): { run: FleetPlanRun; html: string } {
  const run = runFleetPlan(loadFleetSource(source, overrides));
  return { run, html: renderFleetHtml(run) };
}
