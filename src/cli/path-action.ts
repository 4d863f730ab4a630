import type { PathInput, PoolPolicy, PoolSpec } from "../path/files.js";
import { InputError } from "../shared/diagnostics.js";
import { defaultRoot, readTextFile } from "../shared/files.js";
import { plural } from "../shared/plural.js";
import { fileArgument, inputFile } from "./argument.js";
import { useColour } from "./colour.js";
import { EXIT, type Io } from "./io.js";
import { parseVariables, referenceRoot, userPath } from "./options.js";
import type { PathCommandOptions } from "./path-options.js";

/** A version as --kubernetes takes it (the same pattern as a versions list's entries). */
const VERSION_PATTERN = /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?$/;

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

  const [{ loadFleetSource, solvePaths }, report, files, { unusedVariableWarnings }] = await Promise.all([
    import("../fleet/orchestrate.js"),
    import("../report/path.js"),
    import("../path/files.js"),
    import("../profile/index.js"),
  ]);
  const fromPath = inputFile(io, fromFile, "path");
  const toPath = options.to !== undefined ? inputFile(io, options.to, "path --to") : undefined;
  const versionsPath =
    options.versions !== undefined ? inputFile(io, options.versions, "path --versions") : undefined;
  const given = options.fleet !== undefined ? fileArgument(io, options.fleet, "path --fleet") : undefined;
  const fleetPlan =
    given !== undefined
      ? loadFleetSource(
          {
            file: given.file,
            kind: "fleet-plan",
            root: referenceRoot(io, options, defaultRoot(io.cwd, given.file)),
            ...(given.yaml ? { yaml: given.yaml } : {}),
          },
          { trials: 1 },
        )
      : undefined;
  const site = fleetPlan?.sites[0];
  const variables = parseVariables(options.var);
  const input: PathInput = {
    from: { text: readTextFile(fromPath), file: fromPath },
    ...(toPath ? { to: { text: readTextFile(toPath), file: toPath } } : {}),
    ...(options.kubernetes !== undefined ? { kubernetes: options.kubernetes } : {}),
    ...(options.osUri !== undefined ? { osUri: options.osUri } : {}),
    ...(options.versions !== undefined && versionsPath !== undefined
      ? { versions: files.parseVersions(options.versions, versionsPath) }
      : {}),
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
    options.out !== undefined && best
      ? files.writeRevisions(userPath(io, options.out), result, best, fromPath)
      : [];
  const reportOptions = { ...(fleet ? { fleet } : {}) };
  if (format === "json") {
    io.stdout(
      `${JSON.stringify({ ...report.pathJson(result, reportOptions), ...(written.length ? { written } : {}) }, null, 2)}\n`,
    );
  } else if (format === "markdown") {
    io.stdout(report.formatPathMarkdown(result, reportOptions));
  } else {
    io.stdout(report.formatPathText(result, { ...reportOptions, color: useColour(io, options) }));
    if (written.length > 0)
      io.stdout(`\nWrote ${plural(written.length, "revision")}: ${written.join(", ")}\n`);
  }
  if (!best) {
    io.stderr(`no path: ${result.noPath ?? "none found"}\n`);
    setExit(EXIT.noPath);
    return;
  }
  setExit(EXIT.ok);
}
