import type { FleetRun } from "../fleet/orchestrate.js";
import { type Colours, PLAIN } from "../report/colour.js";
import { fleetTextPieces } from "../report/fleet-text.js";
import { formatRunText, formatSummaryText } from "../report/timeline-text.js";
import { loadTimingsFile, runScenario, type ScenarioRun } from "../scenario/run.js";
import { InputError } from "../shared/diagnostics.js";
import { defaultRoot } from "../shared/files.js";
import { jsonChunks } from "../shared/json.js";
import { fileArgument, inputFile } from "./argument.js";
import { outputColours } from "./colour.js";
import { EXIT, type Io, writePieces } from "./io.js";
import { referenceRoot, userPath } from "./options.js";
import type { RunCommandOptions } from "./run-options.js";

/** What `edgesim run FILE` does, loaded only when it runs (`run --help` needs none of it). */
export async function runCommand(
  io: Io,
  setExit: (code: number) => void,
  scenario: string,
  options: RunCommandOptions,
): Promise<void> {
  // Parsed once: the loader takes the parsed file.
  const { file, kind, yaml } = fileArgument(io, scenario, "run");
  if (kind === "fleet-plan") {
    for (const flag of ["log", "update", "timelines"] as const) {
      if (options[flag] !== undefined) {
        throw new InputError([
          { file, message: `--${flag} is not for fleet plans; ${file} is a fleet plan (see edgesim fleet)` },
        ]);
      }
    }
    const root = referenceRoot(io, options, defaultRoot(io.cwd, file));
    const { loadFleetSource } = await import("../fleet/orchestrate.js");
    const plan = loadFleetSource(
      { file, kind, root, ...(yaml ? { yaml } : {}) },
      options.seed !== undefined ? { seed: options.seed } : {},
    );
    const { rollPlan, withTimingsOption } = await import("./fleet-action.js");
    const timed =
      options.timings !== undefined ? withTimingsOption(io, plan, options.timings, "run --timings") : plan;
    await rollPlan(io, setExit, timed, {
      ...(options.json ? { json: true } : {}),
      ...(options.quiet ? { quiet: true } : {}),
      ...(options.color !== undefined ? { color: options.color } : {}),
    });
    return;
  }
  if (kind === "fleet") {
    if (options.timings !== undefined)
      throw new InputError([
        {
          file,
          message: `--timings is for scenarios and fleet plans; ${file} is a fleet file (edgesim fleet ${file} --timings ${options.timings} rolls it with them)`,
        },
      ]);
    for (const flag of ["log", "update"] as const) {
      if (options[flag] !== undefined) {
        throw new InputError([{ file, message: `--${flag} is for scenario files; ${file} is a fleet file` }]);
      }
    }
    const root = referenceRoot(io, options, defaultRoot(io.cwd, file));
    const { runFleet } = await import("../fleet/orchestrate.js");
    const run = await runFleet(file, {
      root,
      ...(yaml ? { yaml } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    writePieces(io.stdout, fleetRunPieces(run, { ...options, colours: outputColours(io, options) }));
    setExit(run.passed ? EXIT.ok : EXIT.notPassed);
    return;
  }
  if (options.timings !== undefined && options.update)
    throw new InputError([
      {
        file: "--timings",
        message: "--update rewrites the golden timeline of the file's own timings: not with --timings",
      },
    ]);
  const timings =
    options.timings !== undefined
      ? loadTimingsFile(inputFile(io, options.timings, "run --timings")).timings
      : undefined;
  const runOptions = {
    ...(timings ? { timings } : {}),
    root: referenceRoot(io, options, defaultRoot(io.cwd, file)),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.update ? { update: true } : {}),
    ...(yaml ? { yaml } : {}),
  };
  // pino is loaded only for a run that logs.
  const run = options.log
    ? (await import("../scenario/log-file.js")).withLogFile(userPath(io, options.log), (hooks) =>
        runScenario(file, { ...runOptions, ...hooks }),
      )
    : runScenario(file, runOptions);
  // The whole output is built before anything is written, so a failure never leaves half of it.
  io.stdout(formatRun(run, options, outputColours(io, options)));
  setExit(run.passed ? EXIT.ok : EXIT.notPassed);
}

export function formatRun(
  run: ScenarioRun,
  options: { json?: boolean; quiet?: boolean } = {},
  c: Colours = PLAIN,
): string {
  if (options.json) return `${JSON.stringify(run, null, 2)}\n`;
  return options.quiet ? formatSummaryText(run, c) : formatRunText(run, c);
}

/** `--json`: the fleet's fields in the documented order, piece by piece (a large fleet's JSON can be longer than one string may be). */
export function fleetRunPieces(
  run: FleetRun,
  options: { json?: boolean; quiet?: boolean; timelines?: boolean; colours?: Colours } = {},
): Iterable<string> {
  return options.json ? jsonChunks(run) : fleetTextPieces(run, options);
}
