import { InvalidArgumentError } from "commander";
import { FILE_TIMEOUT_RANGE, parseFileTimeout } from "../shared/limits.js";
import type { RootOptions } from "./options.js";

/* The options of `edgesim test`, shared by its registration (test.ts) and its action, which import this leaf. */
export interface TestCommandOptions extends RootOptions {
  color?: boolean;
  junit?: string;
  filter?: string;
  quiet?: boolean;
  update?: boolean;
  json?: boolean;
  timeout?: number;
  /** `--mutate` (every mutant) or `--mutate ID,…`; `list` prints them. */
  mutate?: string | true;
  minScore?: number;
  threads?: number;
}

export function minScoreOption(value: string): number {
  const score = Number(value);
  if (value.trim() === "" || !Number.isFinite(score) || score < 0 || score > 100)
    throw new InvalidArgumentError("expected a percentage from 0 to 100");
  return score;
}

export function threadsOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError("expected a whole number from 1 to 256");
  return n;
}

export function timeoutOption(value: string): number {
  const seconds = parseFileTimeout(value);
  if (seconds === undefined) throw new InvalidArgumentError(`expected ${FILE_TIMEOUT_RANGE}`);
  return seconds;
}
