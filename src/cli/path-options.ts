import { InvalidArgumentError } from "commander";
import type { DeliveryMode } from "../shared/types.js";
import type { RootOptions } from "./options.js";

/* The options of `edgesim path`, shared by its registration (path.ts) and its action, which import this leaf. */
/** What the search ranks by (the same list as src/path/evaluate.ts, kept here so --help loads nothing). */
export const PATH_MINIMISE = ["repaves", "node-hours", "windows", "duration"] as const;
export const PATH_FORMATS = ["text", "json", "markdown"] as const;

export interface PathCommandOptions extends RootOptions {
  color?: boolean;
  to?: string;
  kubernetes?: string;
  osUri?: string;
  versions?: string;
  minimise: (typeof PATH_MINIMISE)[number];
  mode?: DeliveryMode;
  fleet?: string;
  out?: string;
  json?: boolean;
  format?: (typeof PATH_FORMATS)[number];
  controlPlanes: number;
  workers: number;
  pool: string[];
  maxUnavailable: number;
  maxRepavesPerNode?: number;
  maxSteps?: number;
  limit: number;
  rke2Quirk: boolean;
  var: string[];
}

export function count(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max.toLocaleString("en-US")}`);
    return Number(value);
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
