import picocolors from "picocolors";
import type { Behavior } from "../shared/types.js";

/**
 * The one set of colours every text output uses: pass/fail in `run` and `test`, behaviors in `plan`.
 * Built on picocolors with colour decided by the caller (the CLI follows NO_COLOR, FORCE_COLOR,
 * `--color`/`--no-color` and the terminal), never by picocolors' own guess from the process.
 */
export interface Colours {
  pass: (text: string) => string;
  fail: (text: string) => string;
  warn: (text: string) => string;
  dim: (text: string) => string;
  bold: (text: string) => string;
  behavior: (behavior: Behavior, text: string) => string;
}

export function colours(enabled: boolean): Colours {
  const c = picocolors.createColors(enabled);
  const byBehavior: Record<Behavior, (text: string) => string> = {
    repave: c.red,
    reboot: c.yellow,
    "service-restart": c.cyan,
    "config-reload": c.blue,
    "no-op": c.dim,
  };
  return {
    pass: c.green,
    fail: c.red,
    warn: c.yellow,
    dim: c.dim,
    bold: c.bold,
    behavior: (behavior, text) => byBehavior[behavior](text),
  };
}

/** No colour: what every formatter uses unless told otherwise (golden files, JSON, pipes). */
export const PLAIN: Colours = colours(false);

/** A run's result word, coloured by what it means: converged green, blocked yellow, failed red. */
export function resultColour(result: string, c: Colours): (text: string) => string {
  return result === "converged" ? c.pass : result === "blocked" ? c.warn : c.fail;
}
