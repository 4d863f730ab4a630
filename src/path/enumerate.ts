import {
  compareKubernetesVersions,
  kubernetesVersionParts,
  MAX_KUBERNETES_MINOR_SKEW,
} from "../controller/skew.js";
import type { ConstraintProblem } from "./constraints.js";

/**
 * The valid revision sequences from today's profile to the target, as pure data: no profile, no planner.
 * A state is where the cluster stands after a revision: an index into the Kubernetes chain, an index into
 * the OS images, and whether the other changes of the target are in.
 */

/** What a worker pool does while the control plane moves: follows every revision, or skips Kubernetes bumps. */
export const POOL_POLICIES = ["follow", "skip"] as const;
export type PoolPolicy = (typeof POOL_POLICIES)[number];

export interface PoolSpec {
  name: string;
  workers: number;
  /** The policies the search may choose for it (both, unless the user fixed one). */
  policies: readonly PoolPolicy[];
}

export interface PathState {
  /** Index into the Kubernetes chain (0 = today's version). */
  kubernetes: number;
  /** Index into the OS images (0 = today's image). */
  os: number;
  /** The target's other changes (everything but the Kubernetes version and the OS layer) are applied. */
  other: boolean;
}

export interface PathSpace {
  /** Today's Kubernetes version first, then one version per minor up to the target's (see kubernetesChain). */
  kubernetes: readonly string[];
  /** How many OS images come after today's (the last is the target); 0 when the OS does not change. */
  osImages: number;
  /** The target has changes besides the Kubernetes version and the OS image. */
  other: boolean;
  pools: readonly PoolSpec[];
  /** Whether a state may be published (a provider image that names a Kubernetes version runs only that one). */
  allowed?: (state: PathState) => boolean;
}

export type PathStep =
  | { kind: "revision"; revision: number; state: PathState }
  /** A pool with "skip worker node update" has its toggle turned off: it is repaved to the control plane's state. */
  | { kind: "catch-up"; pool: string; state: PathState };

export interface PathShape {
  /** The profile revisions published, in order (the last is the target). */
  revisions: PathState[];
  policies: Readonly<Record<string, PoolPolicy>>;
  /** Every rollout: each revision, and each pool catch-up after the revision it follows. */
  steps: PathStep[];
}

/** A bound on the sequences enumerated (the search is exhaustive below it). */
export const MAX_REVISION_SEQUENCES = 200_000;

/**
 * Today's version, then for every minor up to the target's the highest listed patch of it, then the
 * target: the versions a path passes through. Without a list, only a patch change or a single minor bump
 * can be planned (the intermediate versions are unknown).
 */
export function kubernetesChain(
  from: string,
  to: string,
  available: readonly string[] | undefined,
): { chain: string[] } | { problem: ConstraintProblem } {
  const a = kubernetesVersionParts(from);
  const b = kubernetesVersionParts(to);
  if (!a || !b) {
    return {
      problem: {
        constraint: "no-downgrade",
        message: `cannot read Kubernetes version ${!a ? from : to} (expected MAJOR.MINOR.PATCH)`,
      },
    };
  }
  const order = compareKubernetesVersions(to, from);
  if (order < 0) {
    return {
      problem: {
        constraint: "no-downgrade",
        step: 1,
        message: `the target Kubernetes ${to} is below today's ${from}`,
      },
    };
  }
  if (
    available !== undefined &&
    order > 0 &&
    !available.some((v) => compareKubernetesVersions(v, to) === 0)
  ) {
    return {
      problem: {
        constraint: "version-listed",
        message: `the target Kubernetes ${to} is not in the versions list (${available.join(", ") || "empty"})`,
      },
    };
  }
  if (order === 0) return { chain: [from] };
  if (a.major !== b.major) {
    return {
      problem: {
        constraint: "no-minor-skip",
        step: 1,
        message: `Kubernetes ${from} → ${to} changes the major version; edgesim plans minor-by-minor paths within one major version`,
      },
    };
  }
  const chain = [from];
  for (let minor = a.minor + 1; minor < b.minor; minor++) {
    const step = chain.length;
    if (available === undefined) {
      return {
        problem: {
          constraint: "no-minor-skip",
          step,
          message: `${from} → ${to} passes Kubernetes ${a.major}.${minor}: list the versions that exist with --versions`,
        },
      };
    }
    const candidates = available
      .filter((v) => {
        const p = kubernetesVersionParts(v);
        return p !== undefined && p.major === a.major && p.minor === minor;
      })
      .sort(compareKubernetesVersions);
    const highest = candidates[candidates.length - 1];
    if (highest === undefined) {
      return {
        problem: {
          constraint: "no-minor-skip",
          step,
          message: `no ${a.major}.${minor}.x in the versions list, so step ${step} would skip Kubernetes ${a.major}.${minor} (${chain[chain.length - 1]} → ${a.major}.${minor + 1})`,
        },
      };
    }
    chain.push(highest);
  }
  chain.push(to);
  return { chain };
}

function sameState(a: PathState, b: PathState): boolean {
  return a.kubernetes === b.kubernetes && a.os === b.os && a.other === b.other;
}

/**
 * Every sequence of revisions from (0, 0, false) to the target: each revision moves Kubernetes by at most
 * one entry of the chain (one minor), never back, and the OS image and the other changes forward or not
 * at all; a revision changes something. Stops with a problem past MAX_REVISION_SEQUENCES.
 */
export function revisionSequences(
  space: PathSpace,
  limit = MAX_REVISION_SEQUENCES,
): { sequences: PathState[][] } | { problem: ConstraintProblem } {
  const target: PathState = {
    kubernetes: space.kubernetes.length - 1,
    os: space.osImages,
    other: space.other,
  };
  const sequences: PathState[][] = [];
  const current: PathState[] = [];
  let tooMany = false;
  const walk = (state: PathState) => {
    if (tooMany) return;
    if (sameState(state, target)) {
      if (current.length > 0) sequences.push([...current]);
      if (sequences.length > limit) tooMany = true;
      return;
    }
    for (let dk = 0; dk <= 1; dk++) {
      const kubernetes = state.kubernetes + dk;
      if (kubernetes > target.kubernetes) continue;
      for (let os = state.os; os <= target.os; os++) {
        for (const other of state.other || !target.other ? [state.other] : [false, true]) {
          const next = { kubernetes, os, other };
          if (sameState(next, state)) continue;
          if (space.allowed && !space.allowed(next)) continue;
          current.push(next);
          walk(next);
          current.pop();
        }
      }
    }
  };
  walk({ kubernetes: 0, os: 0, other: false });
  if (tooMany) {
    return {
      problem: {
        constraint: "one-revision",
        message: `more than ${limit.toLocaleString("en-US")} revision sequences: list fewer intermediate OS images or versions`,
      },
    };
  }
  return { sequences };
}

function minorOf(version: string | undefined): number {
  return kubernetesVersionParts(version)?.minor ?? 0;
}

/**
 * The rollouts of a revision sequence for the given pool policies. A skipping pool sits out every
 * revision once it is behind (its own plan changes its Kubernetes version), and every revision that bumps
 * Kubernetes; it catches up (toggle off: one repave to the control plane's state) as late as the N-3 skew
 * allows: before a revision that would leave it more than three minors behind, and after the last one.
 */
export function pathShape(
  space: PathSpace,
  revisions: readonly PathState[],
  policies: Readonly<Record<string, PoolPolicy>>,
): PathShape {
  const steps: PathStep[] = [];
  const skipping = space.pools.filter((pool) => policies[pool.name] === "skip");
  const poolState = new Map<string, PathState>(
    skipping.map((pool) => [pool.name, { kubernetes: 0, os: 0, other: false }]),
  );
  let cluster: PathState = { kubernetes: 0, os: 0, other: false };
  revisions.forEach((revision, index) => {
    for (const pool of skipping) {
      const at = poolState.get(pool.name) as PathState;
      const lag = minorOf(space.kubernetes[revision.kubernetes]) - minorOf(space.kubernetes[at.kubernetes]);
      if (lag > MAX_KUBERNETES_MINOR_SKEW && index > 0) {
        steps.push({ kind: "catch-up", pool: pool.name, state: cluster });
        poolState.set(pool.name, cluster);
      }
    }
    steps.push({ kind: "revision", revision: index, state: revision });
    for (const pool of skipping) {
      const at = poolState.get(pool.name) as PathState;
      // Caught up and the revision keeps the Kubernetes version: the pool follows it like any other.
      if (sameState(at, cluster) && revision.kubernetes === cluster.kubernetes)
        poolState.set(pool.name, revision);
    }
    cluster = revision;
  });
  for (const pool of skipping) {
    if (!sameState(poolState.get(pool.name) as PathState, cluster)) {
      steps.push({ kind: "catch-up", pool: pool.name, state: cluster });
    }
  }
  return { revisions: [...revisions], policies: { ...policies }, steps };
}

/** Every combination of the pools' allowed policies, pools in order. */
export function policyCombinations(pools: readonly PoolSpec[]): Record<string, PoolPolicy>[] {
  let combos: Record<string, PoolPolicy>[] = [{}];
  for (const pool of pools) {
    combos = combos.flatMap((combo) => pool.policies.map((policy) => ({ ...combo, [pool.name]: policy })));
  }
  return combos;
}

/** Every path shape of the space: each revision sequence under each combination of pool policies. */
export function enumeratePaths(
  space: PathSpace,
  limit = MAX_REVISION_SEQUENCES,
): { shapes: PathShape[] } | { problem: ConstraintProblem } {
  const found = revisionSequences(space, limit);
  if ("problem" in found) return found;
  const combos = policyCombinations(space.pools);
  const shapes: PathShape[] = [];
  for (const sequence of found.sequences) {
    for (const combo of combos) shapes.push(pathShape(space, sequence, combo));
  }
  return { shapes };
}
