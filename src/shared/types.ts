/** Upgrade behaviors, most disruptive first (the order matters: see `mostDisruptive`). */
export const BEHAVIORS = ["repave", "reboot", "service-restart", "config-reload", "no-op"] as const;
export type Behavior = (typeof BEHAVIORS)[number];

/**
 * Edge Kubernetes distributions: PXK-E (Palette eXtended Kubernetes Edge), K3s, RKE2 and Canonical
 * (Palette Optimized Canonical Kubernetes, named by the two-node, skip-worker-update and
 * systemd-extension pages).
 */
export const DISTRIBUTIONS = ["pxk-e", "k3s", "rke2", "canonical"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/**
 * How a cluster gets its Kubernetes and Palette agent binaries: `appliance` from the provider image named
 * by the OS layer's `options.system.uri`; `sysext` as systemd extensions on a minimal provider image
 * (appliance mode since CanvOS 4.10, usually `system.uri: NA`); `agent` on an OS Palette does not manage
 * (agent mode, also `system.uri: NA`). A profile cannot tell sysext from agent: it is an input.
 */
export const DELIVERY_MODES = ["appliance", "sysext", "agent"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export function isDeliveryMode(value: unknown): value is DeliveryMode {
  return typeof value === "string" && (DELIVERY_MODES as readonly string[]).includes(value);
}

/** Services a `service-restart` can restart. */
export const SERVICES = ["kubernetes", "networking", "storage"] as const;
export type Service = (typeof SERVICES)[number];

/** The fixed layers of a profile; add-on layers are named `addon:<pack>`. */
export const CORE_LAYERS = ["os", "kubernetes", "network", "storage"] as const;
export type CoreLayerName = (typeof CORE_LAYERS)[number];
export type LayerName = CoreLayerName | `addon:${string}`;

/** What a node does for an update: every behavior but `no-op` (which touches no node). */
export const NODE_ACTIONS = [
  "repave",
  "reboot",
  "service-restart",
  "config-reload",
] as const satisfies readonly Exclude<Behavior, "no-op">[];
export type NodeAction = (typeof NODE_ACTIONS)[number];

export type NodeRole = "control-plane" | "worker";

export function disruption(behavior: Behavior): number {
  return BEHAVIORS.length - 1 - BEHAVIORS.indexOf(behavior);
}

/** The most disruptive of the given behaviors; `no-op` for none. */
export function mostDisruptive(behaviors: Iterable<Behavior>): Behavior {
  let best: Behavior = "no-op";
  for (const behavior of behaviors) {
    if (disruption(behavior) > disruption(best)) best = behavior;
  }
  return best;
}

/** True when `behavior` is at least as disruptive as `threshold`. */
export function atLeast(behavior: Behavior, threshold: Behavior): boolean {
  return disruption(behavior) >= disruption(threshold);
}

export function isBehavior(value: unknown): value is Behavior {
  return typeof value === "string" && (BEHAVIORS as readonly string[]).includes(value);
}

export function isDistribution(value: unknown): value is Distribution {
  return typeof value === "string" && (DISTRIBUTIONS as readonly string[]).includes(value);
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}

/**
 * What a node does after an A/B fallback (its new image did not boot, the bootloader booted the passive
 * partition): `operator`, as Palette's Known Issues say today (August 28, 2025: the host "does not
 * automatically rejoin the cluster"; it is recovered by hand), it stays out of the cluster and the rollout
 * waits for an operator; `rejoin`, the behavior edgesim modelled first, it rejoins on its old image by
 * itself and the attempt is retried.
 */
export const AB_FALLBACKS = ["operator", "rejoin"] as const;
export type AbFallback = (typeof AB_FALLBACKS)[number];
/** The default follows the newest page read (release-notes/known-issues.md, Active Known Issues). */
export const DEFAULT_AB_FALLBACK: AbFallback = "operator";
