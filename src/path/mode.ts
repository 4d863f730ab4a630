import type { PlanOptions } from "../rules/types.js";

/**
 * How a cluster gets its Kubernetes binaries: in the provider image (appliance), as systemd extensions
 * (sysext, CanvOS 4.10), or on an OS Palette does not manage (agent). The planner decides what each mode
 * does to a revision; the path search only passes the mode on, so `edgesim path` and `edgesim plan`
 * can never disagree about a step.
 */
export const DELIVERY_MODES = ["appliance", "sysext", "agent"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** The modes the planner of this build tells apart; the others are refused rather than planned wrongly. */
export const PLANNED_MODES: readonly DeliveryMode[] = ["appliance"];

/** The planner's options for a path step in `mode`. */
export function planOptionsFor(_mode: DeliveryMode, rke2Quirk: boolean): PlanOptions {
  return { rke2Quirk };
}
