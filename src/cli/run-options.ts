import type { RootOptions } from "./options.js";

/* The options of `edgesim run`, shared by its registration (run.ts) and its action, which import this leaf. */
export interface RunCommandOptions extends RootOptions {
  json?: boolean;
  color?: boolean;
  seed?: number;
  log?: string;
  quiet?: boolean;
  update?: boolean;
  timelines?: boolean;
  timings?: string;
}
