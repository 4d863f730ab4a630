import type { Command } from "commander";

// The options only: a command's definition (and so its --help) loads no colour library.
/** `--color` / `--no-color`, on every command (commander leaves `color` undefined when neither is given). */
export function addColourOptions(command: Command): Command {
  return command
    .option("--color", "Colour the output even when it is not a terminal (as FORCE_COLOR=1)")
    .option("--no-color", "Never colour the output (as NO_COLOR=1)");
}
