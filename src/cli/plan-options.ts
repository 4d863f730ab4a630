import { InvalidArgumentError } from "commander";
import type { Behavior, CoreLayerName, DeliveryMode, Distribution } from "../shared/types.js";
import { EXIT } from "./io.js";

/* The options of `edgesim plan`, shared by its registration (plan.ts) and its action, which import this leaf. */
/** `--fail-on B`: the plan is at least as disruptive as B (unsupported's 2 takes precedence). */
export const EXIT_FAIL_ON = EXIT.failOn;

/** How `plan` prints: for people, for scripts, or for a pull-request comment. */
export const PLAN_FORMATS = ["text", "json", "markdown"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export interface PlanCommandOptions {
  color?: boolean;
  json?: boolean;
  format?: PlanFormat;
  distribution?: Distribution;
  mode?: DeliveryMode;
  failOn?: Behavior;
  rke2Quirk: boolean;
  var: string[];
  controlPlanes: number;
  /** False when `--control-planes` was left at its default (then `--two-node` sets 2). */
  controlPlanesGiven?: boolean;
  /** `--two-node`: a two-node HA cluster (two control planes, leader cp-1), K3s or Canonical. */
  twoNode?: boolean;
  workers: number;
  maxUnavailable: number;
  layer?: CoreLayerName;
  pack?: string;
}

/** A node count for the estimate, bounded like a scenario's cluster (the estimate simulates every node). */
export function boundedCount(max: number, min = 0): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) > max || Number(value) < min)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max.toLocaleString("en-US")}`);
    return Number(value);
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
