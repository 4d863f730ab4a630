import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import type { PoolPolicy, PoolSpec } from "../path/enumerate.js";
import type { EvaluatedPath } from "../path/evaluate.js";
import type { PathInput, PathSearchResult } from "../path/search.js";
import { InputError } from "../shared/diagnostics.js";
import { readTextFile, writeOutput } from "../shared/files.js";
import { parseYamlFile } from "../shared/yaml.js";
import { useColour } from "./colour.js";
import { EXIT, type Io } from "./io.js";
import type { PathCommandOptions } from "./path.js";
import { unusedVariableWarnings } from "./plan-action.js";
import { userPath } from "./run.js";

const VERSION_PATTERN = /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?$/;

/** `--versions 1.31.4,1.32.2` or a file: a YAML list of versions, or `{ kubernetes: [...], osImages: [...] }`. */
export function parseVersions(io: Io, value: string): NonNullable<PathInput["versions"]> {
  const items = value.split(",").map((v) => v.trim());
  const path = userPath(io, value);
  if (items.every((v) => VERSION_PATTERN.test(v)) && !existsSync(path)) {
    return { kubernetes: items, source: "--versions" };
  }
  const yaml = parseYamlFile(readTextFile(path), path);
  const data = yaml.value;
  const list = (v: unknown, at: string): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" && typeof x !== "number"))
      throw new InputError([{ file: path, path: at, message: "must be a list of versions (strings)" }]);
    return v.map(String);
  };
  if (Array.isArray(data)) return { kubernetes: list(data, "(top)"), source: path };
  if (typeof data === "object" && data !== null) {
    const record = data as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => k !== "kubernetes" && k !== "osImages");
    if (unknown.length > 0)
      throw new InputError([
        { file: path, path: unknown[0], message: "unknown key (expected kubernetes, osImages)" },
      ]);
    return {
      ...(record.kubernetes !== undefined ? { kubernetes: list(record.kubernetes, "kubernetes") } : {}),
      ...(record.osImages !== undefined ? { osImages: list(record.osImages, "osImages") } : {}),
      source: path,
    };
  }
  throw new InputError([
    {
      file: path,
      message:
        "is neither a list of versions nor { kubernetes: [...], osImages: [...] } (or give 1.31.4,1.32.2)",
    },
  ]);
}

/** `--pool edge:4`, `--pool edge:4:skip`, `--pool edge:4:follow`. */
export function parsePools(values: readonly string[]): PoolSpec[] {
  const pools: PoolSpec[] = [];
  for (const value of values) {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d+)(?::(skip|follow))?$/.exec(value);
    if (!match || match[1] === "cp") {
      throw new InputError([
        {
          file: "--pool",
          message: `expected NAME:WORKERS[:skip|follow] with NAME a lowercase DNS label other than cp, got "${value}"`,
        },
      ]);
    }
    const name = match[1] as string;
    if (pools.some((p) => p.name === name))
      throw new InputError([{ file: "--pool", message: `pool ${name} is given twice` }]);
    const policy = match[4] as PoolPolicy | undefined;
    pools.push({
      name,
      workers: Number(match[3]),
      policies: policy ? [policy] : ["follow", "skip"],
    });
  }
  return pools;
}

function parseVariables(pairs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name))
      throw new InputError([{ file: "--var", message: `expected NAME=VALUE, got "${pair}"` }]);
    variables[name] = pair.slice(eq + 1);
  }
  return variables;
}

/** A file name for a revision: its step and profile name, with nothing that could leave the folder. */
function revisionFileName(step: number, name: string, ext: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "profile";
  return `step-${String(step).padStart(2, "0")}-${safe}${ext}`;
}

/**
 * Writes each revision of the recommended path into `dir` (created when missing). Nothing is written when
 * any file would replace a different one already there; each file is written whole or not at all.
 */
export function writeRevisions(
  io: Io,
  dir: string,
  result: PathSearchResult,
  path: EvaluatedPath,
  fromFile: string,
): string[] {
  const folder = userPath(io, dir);
  if (existsSync(folder) && !statSync(folder).isDirectory())
    throw new InputError([{ file: folder, message: "--out: is a file, not a folder" }]);
  const ext = [".yaml", ".yml", ".json"].includes(extname(fromFile).toLowerCase())
    ? extname(fromFile)
    : ".yaml";
  const files: { file: string; text: string }[] = [];
  let n = 0;
  for (const step of path.steps) {
    if (step.step.kind !== "revision") continue;
    n++;
    const revision = result.revision(step.to);
    files.push({ file: join(folder, revisionFileName(n, revision.name, ext)), text: revision.text });
  }
  const clashes = files.filter((f) => existsSync(f.file) && readFileSync(f.file, "utf8") !== f.text);
  if (clashes.length > 0) {
    throw new InputError(
      clashes.map((f) => ({
        file: f.file,
        message:
          "--out: already exists with other content; remove it or choose another folder (nothing was written)",
      })),
    );
  }
  mkdirSync(folder, { recursive: true });
  for (const f of files) writeOutput({ file: f.file, option: "--out" }, f.text);
  return files.map((f) => f.file);
}

/** What `edgesim path FROM ...` does, loaded only when it runs. */
export async function pathCommand(
  io: Io,
  setExit: (code: number) => void,
  fromFile: string,
  options: PathCommandOptions,
): Promise<void> {
  if (options.json && options.format !== undefined && options.format !== "json")
    throw new InputError([{ file: "--json", message: `conflicts with --format ${options.format}` }]);
  if (options.to !== undefined && options.kubernetes !== undefined)
    throw new InputError([{ file: "--to", message: "give --to or --kubernetes, not both" }]);
  if (options.to === undefined && options.kubernetes === undefined)
    throw new InputError([
      { file: "edgesim path", message: "give the target: --to PROFILE or --kubernetes VERSION" },
    ]);
  if (options.osUri !== undefined && options.to !== undefined)
    throw new InputError([
      { file: "--os-uri", message: "goes with --kubernetes (with --to, the target's OS layer decides)" },
    ]);
  if (options.kubernetes !== undefined && !VERSION_PATTERN.test(options.kubernetes))
    throw new InputError([
      { file: "--kubernetes", message: `expected a version like 1.34.1, got "${options.kubernetes}"` },
    ]);
  const format = options.json ? "json" : (options.format ?? "text");
  const pools = parsePools(options.pool);
  if (options.fleet !== undefined && pools.length > 0)
    throw new InputError([
      { file: "--pool", message: "a fleet plan's sites have no worker pools: give --pool without --fleet" },
    ]);

  const [{ solvePaths }, report, fleetLoad] = await Promise.all([
    import("../fleet/path-cost.js"),
    import("../report/path.js"),
    import("../fleet/load.js"),
  ]);
  const fromPath = userPath(io, fromFile);
  const toPath = options.to !== undefined ? userPath(io, options.to) : undefined;
  const fleetPlan =
    options.fleet !== undefined
      ? fleetLoad.loadFleetPlan(userPath(io, options.fleet), { trials: 1 })
      : undefined;
  const site = fleetPlan?.sites[0];
  const variables = parseVariables(options.var);
  const input: PathInput = {
    from: { text: readTextFile(fromPath), file: fromPath },
    ...(toPath ? { to: { text: readTextFile(toPath), file: toPath } } : {}),
    ...(options.kubernetes !== undefined ? { kubernetes: options.kubernetes } : {}),
    ...(options.osUri !== undefined ? { osUri: options.osUri } : {}),
    ...(options.versions !== undefined ? { versions: parseVersions(io, options.versions) } : {}),
    controlPlanes: site?.controlPlanes ?? options.controlPlanes,
    workers: site?.workers ?? options.workers,
    pools,
    maxUnavailable: fleetPlan?.maxUnavailable ?? options.maxUnavailable,
    ...(fleetPlan ? { timings: fleetPlan.timings } : {}),
    minimise: options.minimise,
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
    rke2Quirk: options.rke2Quirk,
    loadOptions: { variables },
    // With a fleet plan, windows and duration are the fleet planner's: rank a few candidates by it.
    limit: options.limit,
    ...(options.maxRepavesPerNode !== undefined ? { maxRepavesPerNode: options.maxRepavesPerNode } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
  };
  const solved = solvePaths(input, fleetPlan);
  let result = solved.result;
  const fleet = solved.fleet;
  const unused = unusedVariableWarnings(variables, [result.from]);
  if (unused.length > 0) result = { ...result, warnings: [...unused, ...result.warnings] };

  const best = result.paths[0];
  const written =
    options.out !== undefined && best ? writeRevisions(io, options.out, result, best, fromPath) : [];
  const reportOptions = { ...(fleet ? { fleet } : {}) };
  if (format === "json") {
    io.stdout(
      `${JSON.stringify({ ...report.pathJson(result, reportOptions), ...(written.length ? { written } : {}) }, null, 2)}\n`,
    );
  } else if (format === "markdown") {
    io.stdout(report.formatPathMarkdown(result, reportOptions));
  } else {
    io.stdout(report.formatPathText(result, { ...reportOptions, color: useColour(io, options) }));
    if (written.length > 0) io.stdout(`\nWrote ${written.length} revision(s): ${written.join(", ")}\n`);
  }
  if (!best) {
    io.stderr(`no path: ${result.noPath ?? "none found"}\n`);
    setExit(EXIT.noPath);
    return;
  }
  setExit(EXIT.ok);
}
