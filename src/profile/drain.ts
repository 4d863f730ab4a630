import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { parseDuration } from "../shared/duration.js";
import type { DrainPolicy, Profile, Value } from "./types.js";
import { isMapping, lookup } from "./values.js";

/**
 * Defaults follow Palette's edge OS packs (`pack.drain`): cordon first, wait up to 60 s for the drain and
 * give each pod 60 s to stop, skip DaemonSet pods (they cannot be evicted anyway) and evict pods with
 * emptyDir data (an edge node being repaved loses it regardless), but never force-delete unmanaged pods.
 */
export const DEFAULT_DRAIN_POLICY: Readonly<DrainPolicy> = Object.freeze({
  cordon: true,
  timeoutMs: 60_000,
  gracePeriodMs: 60_000,
  ignoreDaemonSets: true,
  deleteLocalData: true,
  force: false,
});

/** kubectl's meaning of a negative grace period: the pod's own terminationGracePeriodSeconds (default 30 s). */
const POD_DEFAULT_GRACE_MS = 30_000;

/**
 * The drain policy of the OS layer's `pack.drain`. Durations are seconds or `60s`/`2m`; a timeout of 0
 * means "wait for ever" as in kubectl (kept as 0: the simulator treats it as no limit).
 */
export function drainPolicy(profile: Profile): DrainPolicy {
  const os = profile.layers.find((l) => l.name === "os");
  const policy: DrainPolicy = { ...DEFAULT_DRAIN_POLICY };
  const problems: Diagnostic[] = [];
  if (os) readSkipDraining(profile.file, os.values, policy, problems);
  const drain = os && lookup(os.values, ["pack", "drain"])?.node;
  if (drain === undefined || drain === null) {
    if (problems.length > 0) throw new InputError(problems);
    return policy;
  }
  const base = "layers.os.values.pack.drain";
  const problem = (key: string, message: string) =>
    problems.push({ file: profile.file, path: key ? `${base}.${key}` : base, message });
  if (!isMapping(drain)) {
    problem(
      "",
      "must be a mapping of cordon, timeout, gracePeriod, ignoreDaemonSets, deleteLocalData, force",
    );
    throw new InputError(problems);
  }
  const flag = (key: string): boolean | undefined => {
    const value = drain[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    problem(key, `must be true or false (got ${JSON.stringify(value)})`);
    return undefined;
  };
  const duration = (key: string, negative?: number): number | undefined => {
    const value: Value | undefined = drain[key];
    if (value === undefined || value === null) return undefined;
    if (negative !== undefined && typeof value === "number" && value < 0) return negative;
    const ms = parseDuration(value);
    if (ms === undefined)
      problem(key, `must be a duration such as 60 (seconds) or 60s (got ${JSON.stringify(value)})`);
    return ms;
  };
  policy.cordon = flag("cordon") ?? policy.cordon;
  policy.ignoreDaemonSets = flag("ignoreDaemonSets") ?? policy.ignoreDaemonSets;
  policy.deleteLocalData = flag("deleteLocalData") ?? flag("deleteEmptyDirData") ?? policy.deleteLocalData;
  policy.force = flag("force") ?? policy.force;
  policy.timeoutMs = duration("timeout") ?? policy.timeoutMs;
  policy.gracePeriodMs = duration("gracePeriod", POD_DEFAULT_GRACE_MS) ?? policy.gracePeriodMs;
  if (problems.length > 0) throw new InputError(problems);
  return policy;
}

/**
 * `pack.drainPods`, `pack.podSelector` and `pack.disableEviction` of the OS layer, where the Skip Node
 * Draining During Upgrades page puts them (next to `pack.drain`, not inside it).
 */
function readSkipDraining(
  file: string,
  values: Profile["layers"][number]["values"],
  policy: DrainPolicy,
  problems: Diagnostic[],
): void {
  const at = (key: string) => lookup(values, ["pack", key])?.node;
  const drainPods = at("drainPods");
  if (drainPods !== undefined && drainPods !== null) {
    const text = String(drainPods);
    if (text === "auto" || text === "true" || text === "false") policy.drainPods = text;
    else
      problems.push({
        file,
        path: "layers.os.values.pack.drainPods",
        message: `must be auto, true or false (got ${JSON.stringify(drainPods)})`,
      });
  }
  const selector = at("podSelector");
  if (typeof selector === "string" && selector.trim() !== "") policy.podSelector = selector.trim();
  else if (selector !== undefined && selector !== null && typeof selector !== "string")
    problems.push({
      file,
      path: "layers.os.values.pack.podSelector",
      message: `must be a label selector such as app!=spectro (got ${JSON.stringify(selector)})`,
    });
  const eviction = at("disableEviction");
  if (eviction !== undefined && eviction !== null) {
    if (eviction === true || eviction === "true") policy.disableEviction = true;
    else if (eviction === false || eviction === "false") delete policy.disableEviction;
    else
      problems.push({
        file,
        path: "layers.os.values.pack.disableEviction",
        message: `must be true or false (got ${JSON.stringify(eviction)})`,
      });
  }
}

/**
 * Labels Palette never drains, whatever `podSelector` says (Skip Node Draining During Upgrades, the
 * podSelector row of its table).
 */
export const PROTECTED_POD_LABELS = [
  "upgrade.cattle.io/plan=control-plan",
  "upgrade.cattle.io/plan=worker-plan",
  "app=spectro",
  "app=spectro-proxy",
  "app=palette-webhook",
] as const;

/**
 * Why a node of a cluster of `nodeCount` nodes is not drained under this policy, or undefined when it
 * is: `drainPods: false`, or `auto` (the default) on a single-node cluster.
 */
export function drainSkipReason(
  policy: Pick<DrainPolicy, "drainPods">,
  nodeCount: number,
): string | undefined {
  const mode = policy.drainPods ?? "auto";
  if (mode === "false") return "drainPods false";
  if (mode === "auto" && nodeCount <= 1) return "drainPods auto: a single-node cluster is not drained";
  return undefined;
}

/** The image a repave installs: the OS layer's rendered `options.system.uri`, else `<pack>@<version>`. */
export function osImage(profile: Profile): string {
  const os = profile.layers.find((l) => l.name === "os");
  if (!os) return "";
  const uri = lookup(os.values, ["options", "system", "uri"])?.node;
  return typeof uri === "string" && uri !== "" ? uri : `${os.pack}@${os.version}`;
}
