import { relative, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { type Colours, PLAIN } from "../report/colour.js";
import { fleetTextPieces } from "../report/fleet-text.js";
import { formatRunText, formatSummaryText } from "../report/timeline-text.js";
import { type FleetRun, runFleet } from "../scenario/fleet.js";
import { runScenario, type ScenarioRun } from "../scenario/run.js";
import { InputError } from "../shared/diagnostics.js";
import {
  defaultRoot,
  type ReferenceRoot,
  readStandardInput,
  STDIN_ARGUMENT,
  STDIN_NAME,
} from "../shared/files.js";
import { jsonChunks } from "../shared/json.js";
import { documentKind, wrongKindMessage } from "../shared/kinds.js";
import { MAX_SEED } from "../shared/rng.js";
import { parseYamlFile, type YamlFile } from "../shared/yaml.js";
import { classifyFile, type FileKind, kindOfValue } from "../suite/suite.js";
import { addColourOptions, outputColours } from "./colour.js";
import { EXIT, EXIT_HELP, exitCodeHelp, type Io, writePieces } from "./io.js";
import type { Register } from "./main.js";

interface RunCommandOptions extends RootOptions {
  json?: boolean;
  color?: boolean;
  seed?: number;
  log?: string;
  quiet?: boolean;
  update?: boolean;
  timelines?: boolean;
}

export function parseSeed(value: string): number {
  const seed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(seed) || seed > MAX_SEED)
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_SEED}`);
  return seed;
}

/** A path as the user gave it, made relative to the process so messages name it the way it was typed. */
export function userPath(io: Io, path: string): string {
  const absolute = resolve(io.cwd, path);
  const rel = relative(process.cwd(), absolute);
  return rel === "" || rel.startsWith("..") ? absolute : rel;
}

/** `--root DIR` and `--allow-outside`: how far a file's references may reach. */
export interface RootOptions {
  root?: string;
  allowOutside?: boolean;
}

export const ROOT_HELP =
  "Folder the file's references (profiles, golden timelines) must stay in (default: the current folder, or the file's own when it is elsewhere)";
export const ALLOW_OUTSIDE_HELP = "Follow the file's references wherever they point";

/** The root a command's references must stay in, from its options or its default. */
export function referenceRoot(io: Io, options: RootOptions, fallback: string): ReferenceRoot {
  if (options.allowOutside) return false;
  return options.root !== undefined ? resolve(io.cwd, options.root) : fallback;
}

export const registerRun: Register = (program, io, setExit) => {
  addColourOptions(program.command("run"))
    .description(
      "Replay a scenario (or roll a fleet file's update across its clusters) and check its expectations",
    )
    .argument("<scenario>", "Scenario or fleet file (YAML; - reads standard input)")
    .option("--json", "Print the run as one JSON object")
    .option("--seed <n>", "Override the scenario's seed (default: the file's seed, else 1)", parseSeed)
    .option(
      "--log <file>",
      "Write the simulation's log as NDJSON (pino, virtual time) to FILE; scenarios only",
    )
    .option("-q, --quiet", "Print only the summary and expectations, not the timeline")
    .option("--update", "Rewrite the scenario's golden timeline instead of comparing it; scenarios only")
    .option("--timelines", "Fleet files: also print every cluster's timeline on the fleet's clock")
    .option("--root <dir>", ROOT_HELP)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .addHelpText(
      "after",
      exitCodeHelp([
        EXIT_HELP.ok("every expectation holds (with no expect: the rollout converged)"),
        EXIT_HELP.inputError,
        EXIT_HELP.notPassed,
      ]),
    )
    .action(async (scenario: string, options: RunCommandOptions) => {
      // Parsed once: the loader takes the parsed file.
      const { file, kind, yaml } = classifyArgument(io, scenario);
      refuseProfile(file, kind, yaml, "run");
      if (kind === "fleet-plan") {
        throw new InputError([
          { file, message: "is a fleet plan (inventory + strategy): run it with `edgesim fleet FILE`" },
        ]);
      }
      if (kind === "fleet") {
        for (const flag of ["log", "update"] as const) {
          if (options[flag] !== undefined) {
            throw new InputError([
              { file, message: `--${flag} is for scenario files; ${file} is a fleet file` },
            ]);
          }
        }
        const root = referenceRoot(io, options, defaultRoot(io.cwd, file));
        const run = await runFleet(file, {
          root,
          ...(yaml ? { yaml } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
        });
        writePieces(io.stdout, fleetRunPieces(run, { ...options, colours: outputColours(io, options) }));
        setExit(run.passed ? EXIT.ok : EXIT.notPassed);
        return;
      }
      const runOptions = {
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
    });
};

/**
 * The file a command was given, its kind and (when it parsed) its parsed YAML. `-` is standard input,
 * read once through the bounded reader and named `<stdin>`; the paths in it are relative to the current folder.
 */
export function classifyArgument(
  io: Io,
  argument: string,
): { file: string; kind: FileKind | undefined; yaml?: YamlFile } {
  if (argument === STDIN_ARGUMENT) {
    const yaml = parseYamlFile(readStandardInput(), STDIN_NAME);
    return { file: STDIN_NAME, kind: kindOfValue(yaml.value), yaml };
  }
  const file = userPath(io, argument);
  return { file, ...classifyFile(file) };
}

/** A profile given where a scenario is expected: one sentence instead of the scenario schema's errors. */
export function refuseProfile(
  file: string,
  kind: FileKind | undefined,
  yaml: YamlFile | undefined,
  command: string,
): void {
  if (kind === undefined && yaml !== undefined && documentKind(yaml.value) === "profile") {
    throw new InputError([
      { file, message: wrongKindMessage("profile", command, "a scenario (cluster, profile, events)") },
    ]);
  }
}

export function formatRun(
  run: ScenarioRun,
  options: { json?: boolean; quiet?: boolean } = {},
  c: Colours = PLAIN,
): string {
  if (options.json) return `${JSON.stringify(run, null, 2)}\n`;
  return options.quiet ? formatSummaryText(run, c) : formatRunText(run, c);
}

/** `--json`: the fleet's fields in the documented order; each cluster's nodes and timeline come last. */
export function formatFleetRun(
  run: FleetRun,
  options: { json?: boolean; quiet?: boolean; timelines?: boolean } = {},
): string {
  return [...fleetRunPieces(run, options)].join("");
}

/** `formatFleetRun` piece by piece: a large fleet's JSON can be longer than one string may be. */
export function fleetRunPieces(
  run: FleetRun,
  options: { json?: boolean; quiet?: boolean; timelines?: boolean; colours?: Colours } = {},
): Iterable<string> {
  return options.json ? jsonChunks(run) : fleetTextPieces(run, options);
}
