import { changesKubernetesVersion, kubernetesVersionOf } from "../controller/skew.js";
import { diffProfiles } from "../profile/diff.js";
import { editProfileText, type ProfileEdits, writtenOsUri } from "../profile/edit.js";
import { locateLayers, parseProfile } from "../profile/parse.js";
import type { LoadOptions, Profile } from "../profile/types.js";
import { planUpdate } from "../rules/plan.js";
import type { Plan } from "../rules/types.js";
import { InputError } from "../shared/diagnostics.js";
import { plural } from "../shared/plural.js";
import { estimateCatchUp, estimateRollout, type RolloutEstimate } from "../sim/estimate.js";
import { clusterNodes, type Timings } from "../sim/types.js";
import {
  type ConstraintProblem,
  PATH_CONSTRAINTS,
  type PathConstraint,
  type PathConstraintId,
  problemMessage,
} from "./constraints.js";
import {
  enumeratePaths,
  kubernetesChain,
  type PathSpace,
  type PathState,
  type PoolSpec,
} from "./enumerate.js";
import {
  type ClusterShape,
  type EvaluatedPath,
  evaluatePath,
  type MinimiseKey,
  rankPaths,
  type StepOracle,
  type StepPlan,
  type StepTiming,
} from "./evaluate.js";
import { type DeliveryMode, planOptionsFor } from "./mode.js";

/** A file's text and the name messages give it. */
export interface SourceText {
  text: string;
  file: string;
}

export interface PathInput {
  from: SourceText;
  /** The target profile (`--to`); or the target is FROM with `kubernetes` (and `osUri`). */
  to?: SourceText;
  kubernetes?: string;
  osUri?: string;
  /** The versions that exist: Kubernetes pack versions, and OS images (provider image uris) oldest first. */
  versions?: { kubernetes?: readonly string[]; osImages?: readonly string[]; source: string };
  controlPlanes: number;
  /** Workers outside named pools. */
  workers: number;
  pools: readonly PoolSpec[];
  maxUnavailable?: number;
  timings?: Partial<Timings>;
  minimise: MinimiseKey;
  /** Absent: the planner's reading of the target (uri "NA": sysext, with a warning), as `edgesim plan`. */
  mode?: DeliveryMode;
  rke2Quirk?: boolean;
  loadOptions?: LoadOptions;
  /** Paths kept in the result, best first. */
  limit?: number;
  /** The user's own limits: a path over them is left out (none left: no path). */
  maxRepavesPerNode?: number;
  maxSteps?: number;
}

/** One profile revision of a path: the file to publish, and the profile it loads as. */
export interface RevisionProfile {
  state: PathState;
  name: string;
  text: string;
  profile: Profile;
}

export interface PathSearchResult {
  from: Profile;
  target: Profile;
  /** The input's format: the revisions are written in it. */
  format: string;
  /** The Kubernetes versions a path passes through, today's first. */
  kubernetes: string[];
  /** Today's OS image (as written), the intermediate ones listed, then the target's; one entry when it stays. */
  osImages: string[];
  /** The target has changes besides the Kubernetes version and the OS layer. */
  other: boolean;
  mode: DeliveryMode;
  minimise: MinimiseKey;
  cluster: ClusterShape;
  /** The documented constraints the search applied. */
  constraints: PathConstraint[];
  /** Distinct paths evaluated. */
  considered: number;
  /** Best first (at most `limit`); empty when the user's limits leave none. */
  paths: EvaluatedPath[];
  /** Why there is no path, when `paths` is empty. */
  noPath?: string;
  revision(state: PathState): RevisionProfile;
  plan(from: PathState, to: PathState): Plan;
  warnings: string[];
}

const UNSUPPORTED_CONSTRAINT: Record<string, PathConstraintId> = {
  "network.pack-switch": "cni-switch",
  "storage.pack-switch": "storage-switch",
};

function fail(file: string, problem: ConstraintProblem): never {
  throw new InputError([{ file, message: problemMessage(problem) }]);
}

function key(state: PathState): string {
  return `${state.kubernetes}.${state.os}.${state.other ? 1 : 0}`;
}

function nodeTimes(estimate: RolloutEstimate): StepTiming {
  const controlPlaneMs: number[] = [];
  const workerMs: number[] = [];
  const controlPlanes = new Set(
    clusterNodes({ controlPlanes: estimate.controlPlanes, workers: 0 }).map((node) => node.name),
  );
  for (const node of estimate.nodes) {
    (controlPlanes.has(node.node) ? controlPlaneMs : workerMs).push(node.readyMs - node.startMs);
  }
  return { durationMs: estimate.durationMs, controlPlaneMs, workerMs };
}

/** The index in `chain` of the Kubernetes version a literal image uri names (…:k3s-1.32.2-v4.6.0…), if any. */
function versionNamedBy(uri: string, chain: readonly string[]): number | undefined {
  if (uri.includes("{{")) return undefined;
  for (const match of uri.matchAll(/(?<![\d.])v?(\d+\.\d+\.\d+)(?![\d.])/g)) {
    const i = chain.findIndex((v) => v.replace(/^v/, "") === match[1]);
    if (i >= 0) return i;
  }
  return undefined;
}

function sameLayer(a: Profile, b: Profile, name: string): boolean {
  const diff = diffProfiles(
    { ...a, layers: a.layers.filter((l) => l.name === name) },
    { ...b, layers: b.layers.filter((l) => l.name === name) },
  );
  return diff.layers.length === 0;
}

/** Every valid path from FROM to the target, planned step by step with `edgesim plan`'s planner, ranked. */
export function searchPaths(input: PathInput): PathSearchResult {
  const loadOptions = input.loadOptions ?? {};
  const from = parseProfile(input.from.text, input.from.file, loadOptions);
  const format = locateLayers(input.from.text, input.from.file).format;
  const fromVersion = kubernetesVersionOf(from) as string;
  const to = input.to ? parseProfile(input.to.text, input.to.file, loadOptions) : undefined;
  const targetFile = input.to?.file ?? "--kubernetes";
  const targetVersion = to ? (kubernetesVersionOf(to) as string) : (input.kubernetes ?? fromVersion);

  const found = kubernetesChain(fromVersion, targetVersion, input.versions?.kubernetes);
  if ("problem" in found) {
    const file =
      found.problem.constraint === "version-listed" ? (input.versions?.source ?? targetFile) : targetFile;
    fail(file, found.problem);
  }
  const chain = found.chain;

  // OS images: with --to, today's OS layer or the target's; with --os-uri, the listed images between.
  const todayUri = writtenOsUri(input.from.text, input.from.file);
  let osImages: string[] = [todayUri ?? "(today's)"];
  let osFromTarget = false;
  if (to && input.to) {
    if (!sameLayer(from, to, "os")) {
      osImages = [
        todayUri ?? "(today's OS layer)",
        writtenOsUri(input.to.text, input.to.file) ?? "(target's OS layer)",
      ];
      osFromTarget = true;
    }
  } else if (input.osUri !== undefined && input.osUri !== todayUri) {
    const listed = input.versions?.osImages ?? [];
    const start = todayUri === undefined ? -1 : listed.indexOf(todayUri);
    const end = listed.indexOf(input.osUri);
    if (input.versions?.osImages !== undefined && end < 0) {
      fail(input.versions.source, {
        constraint: "version-listed",
        message: `--os-uri ${input.osUri} is not in the OS images of the versions list`,
      });
    }
    if (end >= 0 && start > end) {
      fail("--os-uri", {
        constraint: "no-downgrade",
        message: `${input.osUri} comes before today's image ${todayUri} in the versions list`,
      });
    }
    const between = end > start && start >= 0 ? listed.slice(start + 1, end) : [];
    osImages = [osImages[0] as string, ...between, input.osUri];
  }

  // Whether the target has other changes is known once the revision without them has been compared to it.
  let otherDecided = to === undefined;
  // The revision of each state, written in the input's format and loaded like any profile.
  const revisions = new Map<string, RevisionProfile>();
  const revision = (state: PathState): RevisionProfile => {
    const k = key(state);
    const known = revisions.get(k);
    if (known) return known;
    const base = state.other && input.to ? input.to : input.from;
    const baseProfile = state.other && to ? to : from;
    const edits: ProfileEdits = {};
    const version = chain[state.kubernetes] as string;
    if (kubernetesVersionOf(baseProfile) !== version) edits.kubernetesVersion = version;
    if (osFromTarget && input.to) {
      const wantTarget = state.os > 0;
      const baseIsTarget = base === input.to;
      if (wantTarget !== baseIsTarget) edits.osLayerFrom = wantTarget ? input.to : input.from;
    } else if (state.os > 0) {
      edits.osUri = osImages[state.os] as string;
    }
    const isTarget =
      otherDecided &&
      state.kubernetes === chain.length - 1 &&
      state.os === osImages.length - 1 &&
      state.other === space.other;
    const name =
      isTarget && to
        ? to.name
        : state.kubernetes === 0 && state.os === 0 && !state.other
          ? from.name
          : `${from.name}-k8s-${version}${state.os > 0 ? `-os${state.os}` : ""}${state.other ? "-changes" : ""}`;
    if (name !== baseProfile.name) edits.name = name;
    // The target is published as the user wrote it.
    const text =
      isTarget && input.to
        ? input.to.text
        : Object.keys(edits).length > 0
          ? editProfileText(base.text, base.file, edits)
          : base.text;
    const label = `${input.from.file} (revision ${name})`;
    const profile = parseProfile(text, label, loadOptions);
    const made = { state, name, text, profile };
    revisions.set(k, made);
    return made;
  };

  const planOptions = planOptionsFor(input.mode, input.rke2Quirk ?? true);
  const plans = new Map<string, Plan>();
  const plan = (a: PathState, b: PathState): Plan => {
    const k = `${key(a)}>${key(b)}`;
    let known = plans.get(k);
    if (!known) {
      known = planUpdate(revision(a).profile, revision(b).profile, planOptions);
      plans.set(k, known);
    }
    return known;
  };
  const planner = (a: Profile, b: Profile) => planUpdate(a, b, planOptions);

  // Everything but the Kubernetes version and the OS layer: the target's other changes.
  const space: PathSpace = {
    kubernetes: chain,
    osImages: osImages.length - 1,
    other: false,
    pools: input.pools,
  };
  if (to) {
    const without = revision({ kubernetes: chain.length - 1, os: osImages.length - 1, other: false }).profile;
    const rest = planUpdate(without, to, planOptions);
    const switched = planUpdate(from, to, planOptions).unsupported[0];
    if (switched) {
      fail(targetFile, {
        constraint: UNSUPPORTED_CONSTRAINT[switched.rule] ?? "cni-switch",
        step: 1,
        message: switched.reason,
      });
    }
    space.other = rest.changes.length > 0;
    otherDecided = true;
    // Made before the target was known: made again (it may be the target, published as written).
    revisions.delete(key({ kubernetes: chain.length - 1, os: osImages.length - 1, other: false }));
  }

  const warnings: string[] = [];
  const pools = input.pools.map((pool) => {
    if (from.distribution === "pxk-e" || from.distribution === "canonical" || !pool.policies.includes("skip"))
      return pool;
    if (pool.policies.length === 1) {
      fail("--pool", {
        constraint: "skip-worker-distribution",
        message: `pool ${pool.name} is set to skip worker updates, but the cluster is ${from.distribution}`,
      });
    }
    warnings.push(
      `pool ${pool.name}: "skip worker node update" is not available on ${from.distribution} (PXK-E and Canonical only); the pool follows every revision`,
    );
    return { ...pool, policies: ["follow"] as const };
  });
  space.pools = pools;

  // A provider image carries one Kubernetes version: a listed image that names a version of the chain
  // is published with that version only (appliance delivery; under sysext or agent the image has no Kubernetes).
  const imageVersion = osFromTarget
    ? []
    : osImages.map((uri, i) => (i === 0 ? undefined : versionNamedBy(uri, chain)));
  if (input.mode !== "sysext" && input.mode !== "agent" && imageVersion.some((v) => v !== undefined)) {
    const targetState = { kubernetes: chain.length - 1, os: osImages.length - 1 };
    const named = imageVersion[targetState.os];
    if (named !== undefined && named !== targetState.kubernetes) {
      fail(input.osUri !== undefined ? "--os-uri" : targetFile, {
        constraint: "image-kubernetes",
        message: `the target image ${osImages[targetState.os]} names Kubernetes ${chain[named]}, not the target's ${chain[targetState.kubernetes]}`,
      });
    }
    space.allowed = (state) => {
      const v = imageVersion[state.os];
      return v === undefined || v === state.kubernetes;
    };
  }

  const enumerated = enumeratePaths(space);
  if ("problem" in enumerated) fail(targetFile, enumerated.problem);

  const cluster: ClusterShape = {
    controlPlanes: input.controlPlanes,
    workers: input.workers,
    pools: pools.map(({ name, workers }) => ({ name, workers })),
  };
  const rollouts = new Map<string, StepTiming>();
  const catchUps = new Map<string, StepTiming>();
  const oracle: StepOracle = {
    plan(a, b): StepPlan {
      const p = plan(a, b);
      return {
        behavior: p.behavior,
        changesKubernetes: changesKubernetesVersion(p),
        unsupported: p.unsupported,
      };
    },
    rollout(a, b, workers) {
      const k = `${key(a)}>${key(b)}:${workers}`;
      let known = rollouts.get(k);
      if (!known) {
        const p = plan(a, b);
        known =
          p.unsupported.length > 0
            ? { durationMs: 0, controlPlaneMs: [], workerMs: [] }
            : nodeTimes(
                estimateRollout(revision(a).profile, revision(b).profile, p, {
                  controlPlanes: input.controlPlanes,
                  workers,
                  maxUnavailable: input.maxUnavailable ?? 1,
                  ...(input.timings ? { timings: input.timings } : {}),
                }),
              );
        rollouts.set(k, known);
      }
      return known;
    },
    catchUp(a, b, workers) {
      const k = `${key(a)}>${key(b)}:${workers}`;
      let known = catchUps.get(k);
      if (!known) {
        known = nodeTimes(
          estimateCatchUp(revision(a).profile, revision(b).profile, planner, {
            controlPlanes: input.controlPlanes,
            workers,
            maxUnavailable: input.maxUnavailable ?? 1,
            ...(input.timings ? { timings: input.timings } : {}),
          }),
        );
        catchUps.set(k, known);
      }
      return known;
    },
  };

  // Paths that differ only in a policy that changes nothing (a pool that never skips) are one path.
  const seen = new Set<string>();
  const evaluated: EvaluatedPath[] = [];
  for (const shape of enumerated.shapes) {
    const path = evaluatePath(shape, cluster, oracle);
    const effect = path.steps
      .map((s) => `${s.step.kind}:${key(s.to)}:${s.groups.map((g) => g.action).join(",")}`)
      .join(" ");
    if (seen.has(effect)) continue;
    seen.add(effect);
    evaluated.push(path);
  }
  const refused = evaluated.find((p) => p.refused);
  if (refused?.refused && evaluated.every((p) => p.refused)) {
    const u = refused.refused.unsupported[0];
    fail(targetFile, {
      constraint: (u && UNSUPPORTED_CONSTRAINT[u.rule]) ?? "cni-switch",
      step: refused.refused.step,
      message: u?.reason ?? "the update is refused",
    });
  }
  const allowed = evaluated.filter(
    (p) =>
      !p.refused &&
      (input.maxRepavesPerNode === undefined || p.repavesPerNode <= input.maxRepavesPerNode) &&
      (input.maxSteps === undefined || p.steps.length <= input.maxSteps),
  );
  const ranked = rankPaths(allowed, input.minimise).slice(0, input.limit ?? 10);

  const applied: PathConstraintId[] = ["no-downgrade", "no-minor-skip"];
  if (input.versions?.kubernetes) applied.push("version-listed");
  if (pools.some((p) => p.policies.includes("skip"))) applied.push("skip-worker-skew");
  if (input.pools.some((p) => p.policies.includes("skip")) && from.distribution !== "pxk-e")
    applied.push("skip-worker-distribution");
  if (osImages.length > 1 && chain.length > 1) applied.push("one-revision");
  if (space.allowed) applied.push("image-kubernetes");
  applied.push("cni-switch", "storage-switch");

  const noPath =
    ranked.length === 0
      ? [
          `none of the ${plural(evaluated.length, "path")} meets`,
          [
            input.maxRepavesPerNode !== undefined ? `--max-repaves-per-node ${input.maxRepavesPerNode}` : "",
            input.maxSteps !== undefined ? `--max-steps ${input.maxSteps}` : "",
          ]
            .filter(Boolean)
            .join(" and "),
          `(the fewest repaves per node is ${Math.min(...evaluated.map((p) => p.repavesPerNode))}, the fewest steps ${Math.min(...evaluated.map((p) => p.steps.length))})`,
        ].join(" ")
      : undefined;

  const targetState = { kubernetes: chain.length - 1, os: osImages.length - 1, other: space.other };
  const target = revision(targetState).profile;
  // The mode every step was planned for: the one given, else the planner's reading of the target.
  const mode = input.mode ?? plan({ kubernetes: 0, os: 0, other: false }, targetState).mode ?? "appliance";
  return {
    from,
    target,
    format,
    kubernetes: chain,
    osImages,
    other: space.other,
    mode,
    minimise: input.minimise,
    cluster,
    constraints: applied.map((id) => PATH_CONSTRAINTS[id]),
    considered: evaluated.length,
    paths: ranked,
    ...(noPath ? { noPath } : {}),
    revision,
    plan,
    warnings: [...new Set([...warnings, ...from.warnings])],
  };
}
