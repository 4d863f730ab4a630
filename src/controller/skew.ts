import type { Profile } from "../profile/types.js";
import type { RuleId } from "../rules/table.js";
import type { Plan } from "../rules/types.js";
import type { Distribution } from "../shared/types.js";

/** The rule an update refused for a pool's "skip worker node update" on a distribution without it names. */
export const SKIP_WORKER_RULE: RuleId = "kubernetes.skip-worker-update";

/** Node Pools § Skip Worker Node Update (and the 4.10 release notes): on Edge, PXK-E and Canonical only. */
export function skipWorkerSupported(distribution: Distribution): boolean {
  return distribution === "pxk-e" || distribution === "canonical";
}

/** The rule (a row of `src/rules/table.ts`) a refusal for the Kubernetes version skew names. */
export const VERSION_SKEW_RULE: RuleId = "kubernetes.version-skew";

/** Palette's limit: a skipped pool may trail the control plane by at most this many minor versions. */
export const MAX_KUBERNETES_MINOR_SKEW = 3;

/** `{ major, minor }` of a Kubernetes pack version (`1.30.5`, `v1.31.1+k3s1`); undefined when unreadable. */
export function kubernetesMinor(version: string | undefined): { major: number; minor: number } | undefined {
  const match = version === undefined ? null : /^v?(\d+)\.(\d+)/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** `{ major, minor, patch }` of a Kubernetes version (`1.30.5`, `v1.31.1+k3s1`, `1.32`); undefined when unreadable. */
export function kubernetesVersionParts(
  version: string | undefined,
): { major: number; minor: number; patch: number } | undefined {
  const match = version === undefined ? null : /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return match
    ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) }
    : undefined;
}

/** Orders two readable Kubernetes versions (major, minor, patch); the text decides a tie (`+k3s1` vs `+k3s2`). */
export function compareKubernetesVersions(a: string, b: string): number {
  const x = kubernetesVersionParts(a);
  const y = kubernetesVersionParts(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch || (a < b ? -1 : a > b ? 1 : 0);
}

/** How many minor versions `pool` trails `controlPlane`; undefined when either version is unreadable. */
export function kubernetesSkew(
  controlPlane: string | undefined,
  pool: string | undefined,
): number | undefined {
  const cp = kubernetesMinor(controlPlane);
  const worker = kubernetesMinor(pool);
  if (!cp || !worker) return undefined;
  if (cp.major !== worker.major) return cp.major > worker.major ? Number.POSITIVE_INFINITY : -1;
  return cp.minor - worker.minor;
}

export function kubernetesVersionOf(profile: Profile): string | undefined {
  return profile.layers.find((layer) => layer.name === "kubernetes")?.version;
}

/** The plan bumps the Kubernetes pack version: what "skip worker node update" pools sit out. */
export function changesKubernetesVersion(plan: Plan): boolean {
  return plan.changes.some((change) => change.layer === "kubernetes" && change.path === "@version");
}
