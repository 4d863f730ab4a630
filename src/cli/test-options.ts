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
}

export function timeoutOption(value: string): number {
  const seconds = parseFileTimeout(value);
  if (seconds === undefined) throw new InvalidArgumentError(`expected ${FILE_TIMEOUT_RANGE}`);
  return seconds;
}
