import { type Colours, colours } from "../report/colour.js";
import type { Io } from "./io.js";

/**
 * Whether to colour stdout, by the conventions people know: `--no-color`/`--color` win; then
 * `NO_COLOR` set and not empty (no-color.org) turns colour off; then `FORCE_COLOR` turns it on
 * (`0` or `false` off); else colour only on a terminal that is not `TERM=dumb`.
 */
export function colourEnabled(
  flag: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return isTTY && env.TERM !== "dumb";
}

/** Whether a command colours its output, from its options and the environment. */
export function useColour(io: Io, options: { color?: boolean }): boolean {
  return colourEnabled(options.color, io.env ?? process.env, io.isTTY);
}

/** The colours of a command's output (identity functions when it does not colour). */
export function outputColours(io: Io, options: { color?: boolean }): Colours {
  return colours(useColour(io, options));
}
