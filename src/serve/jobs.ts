import type { Diagnostic } from "../shared/diagnostics.js";

/** What the page asks to be run off the request thread. */
export type Job = {
  kind: "scenario" | "fleet-plan";
  file: string;
  root: string;
  text?: string;
  name: string;
};

/** A job's answer: the CLI's `--json` text (and, for a fleet plan, its page and per-site rows), or the input problems. */
export type JobResult =
  | { ok: true; json: string; html?: string; sites?: unknown[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Runs a job in this thread: a scenario as `edgesim run FILE --json` prints it, a fleet plan as
 * `edgesim fleet FILE --json` does. The edited text, when given, replaces the file's (references still
 * resolve from the file's folder, inside the root).
 */
export async function runJob(job: Job): Promise<JobResult> {
  const [{ isInputError }, { parseYamlFile }] = await Promise.all([
    import("../shared/diagnostics.js"),
    import("../shared/yaml.js"),
  ]);
  try {
    const yaml = job.text === undefined ? undefined : parseYamlFile(job.text, job.file);
    if (job.kind === "scenario") {
      const { runScenario } = await import("../scenario/run.js");
      const run = runScenario(job.file, { root: job.root, ...(yaml ? { yaml } : {}) });
      // Named as `edgesim run NAME --json` run in the served folder names it.
      return { ok: true, json: `${JSON.stringify({ ...run, file: job.name }, null, 2)}\n` };
    }
    const [{ loadFleetPlan }, { runFleetPlanOnThreads }, output, { jsonChunks }, { renderFleetHtml }] =
      await Promise.all([
        import("../fleet/load.js"),
        import("../fleet/run.js"),
        import("../fleet/output.js"),
        import("../shared/json.js"),
        import("../fleet/html.js"),
      ]);
    const plan = loadFleetPlan(job.file, { root: job.root }, yaml);
    const run = await runFleetPlanOnThreads(plan, { threads: 1 });
    const expectations = output.evaluatePlanExpectations(run);
    return {
      ok: true,
      json: [...jsonChunks(output.planJson(run, expectations))].join(""),
      html: renderFleetHtml(run),
      sites: [...output.clusterRows(run)],
    };
  } catch (error) {
    if (isInputError(error)) return { ok: false, diagnostics: error.diagnostics };
    throw error;
  }
}
