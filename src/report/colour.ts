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

/**
 * Whether a run's result is the one its expectations ask for: `result`, or `failedNode` (which means a
 * failure); undefined when no expectation says what the result should be.
 */
export function resultAsExpected(
  expectations: readonly { name: string; passed: boolean }[] | undefined,
): boolean | undefined {
  const about = (expectations ?? []).filter((e) => OUTCOME_EXPECTATIONS.has(e.name));
  return about.length === 0 ? undefined : about.every((e) => e.passed);
}

/** The expectations that say what a run's result should be. */
const OUTCOME_EXPECTATIONS = new Set(["result", "failedNode"]);

/**
 * A run's result word, coloured by whether it met expectations: green when it is the result expected (a
 * `failed` that a scenario expects is a pass), red when it is not; with no expectation about it, by what
 * the result means (`resultColour`).
 */
export function outcomeColour(
  result: string,
  expectations: readonly { name: string; passed: boolean }[] | undefined,
  c: Colours,
): (text: string) => string {
  const expected = resultAsExpected(expectations);
  return expected === undefined ? resultColour(result, c) : expected ? c.pass : c.fail;
}
