import type { LoadedFleetPlan } from "../fleet/load.js";
import { runFleetPlan } from "../fleet/run.js";
import { localTime, utcTime } from "../fleet/windows.js";
import { InputError } from "../shared/diagnostics.js";
import type { SimulationResult } from "../sim/types.js";

/** One simulated rollout of a site: when it started on the fleet's clock, and its run as a replay reads it. */
export interface SiteRollout {
  /** The versions (profile names) it rolled from and to. */
  from: string;
  to: string;
  /** Its start (epoch ms, UTC), in UTC and the site's local time as `edgesim fleet --clusters-csv` writes them. */
  startMs: number;
  startUtc: string;
  startLocal: string;
  /**
   * The site's own simulation, shaped as `edgesim run --json` shapes a scenario's (its clock starts at the
   * rollout's start): the lanes, timeline and result the Replay page draws.
   */
  run: {
    name: string;
    result: SimulationResult["result"];
    behavior: SimulationResult["behavior"];
    finalProfile: string;
    durationMs: number;
    timeline: SimulationResult["timeline"];
    nodes: SimulationResult["nodes"];
    refused: SimulationResult["refused"];
    failure?: SimulationResult["failure"];
    faults: SimulationResult["faults"];
    expectations: [];
  };
}

/** A site of a fleet plan replayed: what the fleet's first trial did to it, simulation and all. */
export interface SiteReplay {
  fleet: string;
  strategy: string;
  site: string;
  timeZone: string;
  /** `rolled`, or why there is nothing to replay: `skipped` (after a halt), `unschedulable`, `unselected`. */
  state: string;
  wave: string;
  /** The faults the fleet drew for the site in that trial. */
  faults: string[];
  /** Its rollouts in the order they started: one for a wave, one per version step for a cluster template. */
  rollouts: SiteRollout[];
}

/**
 * One site of a fleet plan replayed: the plan's first trial (the one its calendar and per-site rows
 * show) run by the fleet engine itself with every simulation kept, for the chosen strategy only. A
 * site's outcome depends on the plan, the site and the trial alone, so what is replayed is the outcome
 * `edgesim fleet` reports for that site, not a re-enactment of it.
 */
export function fleetSiteReplay(
  plan: LoadedFleetPlan,
  fleetName: string,
  siteName: string,
  strategyName: string | undefined,
): SiteReplay {
  const site = plan.sites.find((s) => s.name === siteName);
  if (!site) throw new InputError([{ file: fleetName, message: `no site named "${siteName}" in the plan` }]);
  const strategy =
    strategyName === undefined || strategyName === ""
      ? plan.strategies[0]
      : plan.strategies.find((s) => s.name === strategyName);
  if (!strategy)
    throw new InputError([
      {
        file: fleetName,
        message: `no strategy named "${strategyName}" (the plan has ${plan.strategies.map((s) => s.name).join(", ")})`,
      },
    ]);
  const run = runFleetPlan({ ...plan, trials: 1, strategies: [strategy], keepResults: true });
  const trial = run.strategies[0]?.first;
  if (!trial) throw new Error("the fleet run has no trial");
  const placement = trial.schedule.placements[site.index] ?? { state: "unselected" as const };
  const shape = (from: string, to: string, startMs: number, simulation: SimulationResult | undefined) => {
    if (!simulation) throw new Error(`site ${site.name} rolled but its simulation was not kept`);
    return {
      from,
      to,
      startMs,
      startUtc: utcTime(startMs),
      startLocal: localTime(startMs, site.timeZone),
      run: {
        name: `${site.name} (${from} → ${to})`,
        result: simulation.result,
        behavior: simulation.behavior,
        finalProfile: simulation.finalProfile,
        durationMs: simulation.durationMs,
        timeline: simulation.timeline,
        nodes: simulation.nodes,
        refused: simulation.refused,
        ...(simulation.failure ? { failure: simulation.failure } : {}),
        faults: simulation.faults,
        expectations: [] as [],
      },
    };
  };
  const rollouts: SiteRollout[] = [];
  const faults: string[] = [];
  if (trial.template) {
    const names = strategy.template?.versions.map((v) => v.name) ?? [];
    trial.template.schedule.rollouts.forEach((r, i) => {
      if (r.site !== site.index) return;
      const outcome = trial.template?.outcomes[i];
      faults.push(...(outcome?.faults ?? []));
      rollouts.push(shape(names[r.from] ?? "", names[r.to] ?? "", r.startMs, outcome?.simulation));
    });
  } else if (placement.state === "rolled") {
    const outcome = trial.outcomes.get(site.index);
    faults.push(...(outcome?.faults ?? []));
    rollouts.push(shape(site.profile, site.update, placement.startMs, outcome?.simulation));
  }
  return {
    fleet: fleetName,
    strategy: strategy.name,
    site: site.name,
    timeZone: site.timeZone,
    state: placement.state,
    wave: placement.state === "unselected" ? "" : placement.wave,
    faults,
    rollouts,
  };
}
