import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatDiagnostics, isInputError } from "../shared/diagnostics.js";
import { COMMANDS, type CommandEntry } from "./commands.js";
import { EXIT, EXIT_HELP, exitCodeHelp, type Io, processIo } from "./io.js";

/** A command's action returns its exit code; `main` returns it to bin/. */
export type { Register } from "./options.js";

/** The version in package.json (two folders up from src/cli, dist/cli and dist/bundle alike). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

type Commander = typeof import("commander");

/** The program without its commands: name, version, help, and where it writes. */
function baseProgram(commander: Commander, io: Io): Command {
  return new commander.Command("edgesim")
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
          { ...EXIT_HELP.notPassed, meaning: `run, test, fleet: ${EXIT_HELP.notPassed.meaning}` },
          { ...EXIT_HELP.noPath, meaning: `path: ${EXIT_HELP.noPath.meaning}` },
        ]),
    );
}

/** The command that `argv` runs (or asks help for), if it names one. */
function commandOf(argv: readonly string[]): CommandEntry | undefined {
  // Options of `edgesim` itself take no value, so the first word is the command.
  const words = argv.filter((arg) => !arg.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.find((command) => command.name === name);
}

/**
 * The program for `argv`, with only the command it runs registered: the others are listed by name, for the
 * top-level help and for commander's "unknown command" suggestions, without loading their modules.
 */
export async function buildProgram(
  argv: readonly string[],
  io: Io,
  setExit: (code: number) => void,
  commands: "needed" | "all" = "needed",
): Promise<Command> {
  const commander = await import("commander");
  const program = baseProgram(commander, io);
  const needed = commands === "all" ? COMMANDS : [commandOf(argv)].filter((c) => c !== undefined);
  const registers = new Map(
    await Promise.all(needed.map(async (command) => [command.name, await command.load()] as const)),
  );
  // In the order of COMMANDS, so the list reads the same whichever command is loaded.
  for (const command of COMMANDS) {
    const register = registers.get(command.name);
    if (register)
      register(program, io, setExit, { allCommands: () => buildProgram([], io, () => {}, "all") });
    else program.command(command.name).description(command.summary);
  }
  if (registers.size < COMMANDS.length) {
    // The commands only listed show the usage their module would.
    const helper = new commander.Help();
    program.configureHelp({
      subcommandTerm: (cmd) =>
        registers.has(cmd.name())
          ? helper.subcommandTerm(cmd)
          : (COMMANDS.find((c) => c.name === cmd.name())?.term ?? helper.subcommandTerm(cmd)),
    });
  }
  return program;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  // The most frequent question a script asks, answered without loading anything else.
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    io.stdout(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  try {
    const program = await buildProgram(argv, io, setExit);
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    // Loaded already: only a parse that began can end here.
    const { CommanderError } = await import("commander");
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
