import type { RootOptions } from "./options.js";

/* The options of `edgesim report`, shared by its registration (report.ts) and its action, which import this leaf. */
export type ReportCommandOptions = RootOptions & { output: string; seed?: number };
