import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { formatDiagnostics, isInputError } from "../shared/diagnostics.js";
import { registerFleet } from "./fleet.js";
import { EXIT, EXIT_HELP, exitCodeHelp, type Io, processIo } from "./io.js";
import { registerPlan } from "./plan.js";
import { registerQuiz } from "./quiz.js";
import { registerReport } from "./report.js";
import { registerRules } from "./rules.js";
import { registerRun } from "./run.js";
import { registerTest } from "./test.js";

/** A command's action returns its exit code; `main` returns it to bin/. */
export type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** The version in package.json (two folders up from both src/cli and dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command("edgesim")
    .description("Plan and simulate profile upgrades of Palette edge Kubernetes clusters")
    .version(packageVersion(), "-V, --version", "Print the version")
    .helpOption("-h, --help", "Show help for the command")
    .helpCommand("help [command]", "Show help for a command")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run edgesim --help for usage)")
    .addHelpText(
      "after",
      "\nRun `edgesim COMMAND --help` for a command's options and exit codes.\n" +
        "Colour: on a terminal only; NO_COLOR=1 or --no-color turns it off, FORCE_COLOR=1 or --color on.\n" +
        exitCodeHelp([
          EXIT_HELP.ok("success"),
          EXIT_HELP.inputError,
          { ...EXIT_HELP.unsupported, meaning: `plan: ${EXIT_HELP.unsupported.meaning}` },
          { ...EXIT_HELP.failOn, meaning: `plan: ${EXIT_HELP.failOn.meaning}` },
          { ...EXIT_HELP.notPassed, meaning: `run, test: ${EXIT_HELP.notPassed.meaning}` },
        ]),
    );
  for (const register of [
    registerPlan,
    registerRun,
    registerTest,
    registerReport,
    registerQuiz,
    registerRules,
    registerFleet,
  ])
    register(program, io, setExit);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exitCode 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? EXIT.ok : EXIT.inputError;
    }
    if (isInputError(error)) {
      for (const line of formatDiagnostics(error.diagnostics)) io.stderr(`error: ${line}\n`);
      return EXIT.inputError;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`error: ${message}\n`);
    if (process.env.EDGESIM_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return EXIT.failure;
  }
  return exitCode;
}
