import { InvalidArgumentError } from "commander";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";
import type { ServeCommandOptions } from "./serve-options.js";

export type { ServeCommandOptions } from "./serve-options.js";

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return port;
}

export const registerServe: Register = (program, io, setExit) => {
  program
    .command("serve")
    .description(
      "Serve a workbench in the browser: plan, replay, fleet and training pages over the files under DIR",
    )
    .argument("[dir]", "Folder of profiles, scenarios and fleet plans to serve (default: the current folder)")
    .option("--port <n>", "Port to listen on (0: any free port)", parsePort, 8080)
    .option("--host <addr>", "Address to listen on; any but loopback needs a token", "127.0.0.1")
    .option("--token <token>", "Secret every request must carry (generated when --host is not loopback)")
    .option("--open", "Open the URL in the default browser")
    .option("--results <file>", "Append each finished quiz to this results file (as edgesim quiz --results)")
    .option("--operator <name>", "Name recorded with quiz results (default: operator)")
    .addHelpText(
      "after",
      "\nPages: Plan (edit two profiles, see the plan as you type), Replay (scrub a scenario's run),\n" +
        "Fleet (a fleet plan's calendar and sites), Train (the quiz). Reads and writes only under DIR.\n" +
        exitCodeHelp([
          EXIT_HELP.ok("the server was stopped (Ctrl-C)"),
          { ...EXIT_HELP.inputError, meaning: "bad option, DIR is not a folder, or the port is taken" },
        ]),
    )
    .action(async (dir: string | undefined, options: ServeCommandOptions) => {
      const { serveCommand } = await import("./serve-action.js");
      await serveCommand(io, setExit, dir, options);
    });
};
