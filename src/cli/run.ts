import { relative, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import type { ReferenceRoot } from "../shared/files.js";
import { MAX_SEED } from "../shared/rng.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp, type Io } from "./io.js";
import type { Register } from "./main.js";

export interface RunCommandOptions extends RootOptions {
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
      "Replay a scenario, roll a fleet file or a fleet plan, and check its expectations",
    )
    .argument("<scenario>", "Scenario, fleet file or fleet plan (YAML; - reads standard input)")
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
      // What the command runs is loaded here, not with its options: `run --help` needs none of it.
      const { runCommand } = await import("./run-action.js");
      await runCommand(io, setExit, scenario, options);
    });
};
