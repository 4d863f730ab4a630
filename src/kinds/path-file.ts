import { dirname, resolve } from "node:path";
import * as z from "zod";
import { POOL_POLICIES } from "../path/enumerate.js";
import { MINIMISE_KEYS } from "../path/evaluate.js";
import type { PathInput } from "../path/search.js";
import { scenarioDiagnostics, scenarioErrorMap } from "../scenario/validate.js";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { outsideRoot, type ReferenceRoot, readTextFile } from "../shared/files.js";
import { MAX_CONTROL_PLANES, MAX_WORKERS } from "../shared/limits.js";
import { DELIVERY_MODES } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, type YamlFile, type YamlPath } from "../shared/yaml.js";

/** A version as `--versions` takes it: 1.34.1, v1.34, 1.34.1-rc.1. */
export const VERSION_PATTERN = /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?$/;

const version = z.string().regex(VERSION_PATTERN, "expected a version like 1.34.1");
const count = (min: number, max: number) => z.int().min(min).max(max);

/**
 * A path file: the question `edgesim path` answers (from, target, versions, cluster), held to expectations
 * in `edgesim test` like a scenario. References (`from`, `to`, `fleet`) are relative to the file and stay
 * inside the run's root.
 */
export const pathFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  path: z.strictObject({
    from: z.string().min(1).meta({ description: "the profile the cluster runs now" }),
    to: z.string().min(1).optional().meta({ description: "the target profile (or kubernetes:)" }),
    kubernetes: version.optional().meta({ description: "the target Kubernetes version (instead of to:)" }),
    osUri: z.string().min(1).optional().meta({ description: "with kubernetes: the target OS image" }),
    versions: z
      .union([
        z.array(version),
        z.strictObject({ kubernetes: z.array(version).optional(), osImages: z.array(z.string()).optional() }),
      ])
      .optional()
      .meta({ description: "the versions that exist: a list, or { kubernetes, osImages }" }),
    cluster: z
      .strictObject({
        controlPlanes: count(1, MAX_CONTROL_PLANES).default(1),
        workers: count(0, MAX_WORKERS).default(3),
        maxUnavailable: count(1, MAX_WORKERS).default(1),
        pools: z
          .array(
            z.strictObject({
              name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a lowercase DNS label"),
              workers: count(1, MAX_WORKERS),
              policy: z.enum(POOL_POLICIES).optional().meta({ description: "absent: the search chooses" }),
            }),
          )
          .default([]),
      })
      .optional(),
    mode: z.enum(DELIVERY_MODES).optional(),
    minimise: z.enum(MINIMISE_KEYS).default("repaves"),
    rke2Quirk: z.boolean().default(true),
    variables: z.record(z.string(), z.string()).optional(),
    fleet: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "a fleet plan: each step rolled over its sites" }),
    maxRepavesPerNode: count(0, 1000).optional(),
    maxSteps: count(1, 1000).optional(),
  }),
  expect: z
    .strictObject({
      steps: count(0, 1000).optional().meta({ description: "the recommended path has this many steps" }),
      maxRepavesPerNode: count(0, 1000)
        .optional()
        .meta({ description: "no node is repaved more often along the recommended path" }),
      repavesPerNode: count(0, 1000)
        .optional()
        .meta({ description: "the most any node is repaved, exactly" }),
      noPath: z.boolean().optional().meta({ description: "no path meets the limits given" }),
    })
    .optional(),
});

export type PathFile = z.output<typeof pathFileSchema>;
export type PathExpect = NonNullable<PathFile["expect"]>;

/** A path file loaded: the search's input, the fleet plan's file (loaded by the caller) and the expectations. */
export interface LoadedPathFile {
  name: string;
  file: string;
  input: PathInput;
  fleetFile?: string;
  expect: PathExpect;
}

export interface PathFileOptions {
  root: ReferenceRoot;
}

export function loadPathFile(file: string, options: PathFileOptions, parsed?: YamlFile): LoadedPathFile {
  const yaml = parsed ?? parseYamlFile(readTextFile(file), file);
  const result = pathFileSchema.safeParse(yaml.value, { error: scenarioErrorMap });
  if (!result.success)
    throw new InputError(
      scenarioDiagnostics(yaml, result.error.issues, { eventKindsAt: () => undefined, expectationKeys: [] }),
    );
  const data = result.data;
  const spec = data.path;
  const problems: Diagnostic[] = [];
  const at = (path: YamlPath, message: string) => problems.push(diagnosticAt(yaml, path, message));
  if (spec.to === undefined && spec.kubernetes === undefined)
    at(["path"], "give the target: to: PROFILE or kubernetes: VERSION");
  if (spec.to !== undefined && spec.kubernetes !== undefined)
    at(["path", "kubernetes"], "give to: or kubernetes:, not both");
  if (spec.osUri !== undefined && spec.kubernetes === undefined)
    at(["path", "osUri"], "goes with kubernetes: (with to:, the target's OS layer decides)");
  if (spec.fleet !== undefined && (spec.cluster?.pools.length ?? 0) > 0)
    at(["path", "cluster", "pools"], "a fleet plan's sites have no worker pools: give pools without fleet");
  const names = new Set<string>();
  spec.cluster?.pools.forEach((pool, i) => {
    if (pool.name === "cp") at(["path", "cluster", "pools", i, "name"], "cp names the control planes");
    if (names.has(pool.name)) at(["path", "cluster", "pools", i, "name"], `pool ${pool.name} is given twice`);
    names.add(pool.name);
  });
  const folder = dirname(file);
  const reference = (key: "from" | "to" | "fleet"): string | undefined => {
    const value = spec[key];
    if (value === undefined) return undefined;
    const target = resolve(folder, value);
    const outside = outsideRoot(target, options.root);
    if (outside !== undefined) at(["path", key], `${value} ${outside}`);
    return target;
  };
  const fromFile = reference("from") as string;
  const toFile = reference("to");
  const fleetFile = reference("fleet");
  if (problems.length > 0) throw new InputError(problems);

  const source = (path: string) => ({ text: readTextFile(path), file: path });
  const versions = spec.versions;
  const cluster = spec.cluster ?? { controlPlanes: 1, workers: 3, maxUnavailable: 1, pools: [] };
  const input: PathInput = {
    from: source(fromFile),
    ...(toFile !== undefined ? { to: source(toFile) } : {}),
    ...(spec.kubernetes !== undefined ? { kubernetes: spec.kubernetes } : {}),
    ...(spec.osUri !== undefined ? { osUri: spec.osUri } : {}),
    ...(versions !== undefined
      ? {
          versions: Array.isArray(versions)
            ? { kubernetes: versions, source: `${file} path.versions` }
            : { ...versions, source: `${file} path.versions` },
        }
      : {}),
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    maxUnavailable: cluster.maxUnavailable,
    pools: cluster.pools.map((pool) => ({
      name: pool.name,
      workers: pool.workers,
      policies: pool.policy ? [pool.policy] : ["follow", "skip"],
    })),
    minimise: spec.minimise,
    ...(spec.mode !== undefined ? { mode: spec.mode } : {}),
    rke2Quirk: spec.rke2Quirk,
    loadOptions: { variables: spec.variables ?? {} },
    ...(spec.maxRepavesPerNode !== undefined ? { maxRepavesPerNode: spec.maxRepavesPerNode } : {}),
    ...(spec.maxSteps !== undefined ? { maxSteps: spec.maxSteps } : {}),
  };
  const name = data.name ?? file.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
  return { name, file, input, ...(fleetFile !== undefined ? { fleetFile } : {}), expect: data.expect ?? {} };
}
