import type { Diagnostic } from "../shared/diagnostics.js";

/** What the page asks to be run off the request thread. */
export type Job = {
  kind: "scenario" | "fleet-plan" | "fleet-site";
  file: string;
  root: string;
  text?: string;
  name: string;
  /** A fleet-site job: the site to replay, and the strategy (default: the plan's first). */
  site?: string;
  strategy?: string;
};

/** A job's answer: the CLI's `--json` text (and, for a fleet plan, its page and per-site rows), or the input problems. */
export type JobResult =
  | { ok: true; json: string; html?: string; sites?: unknown[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Runs a job in this thread: a scenario as `edgesim run FILE --json` prints it, a fleet plan as
 * `edgesim fleet FILE --json` does, or one site of a fleet plan replayed (`fleetSiteReplay`). The
 * edited text, when given, replaces the file's (references still resolve from the file's folder, inside
 * the root).
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
    const plan = await loadAnyPlan(job, yaml);
    if (job.kind === "fleet-site") {
      const { fleetSiteReplay } = await import("./fleet-site.js");
      const replay = fleetSiteReplay(plan, job.name, job.site ?? "", job.strategy);
      return { ok: true, json: `${JSON.stringify(replay, null, 2)}\n` };
    }
    const [
      { runFleetPlanOnThreads },
      output,
      { evaluatePlanExpectations },
      { jsonChunks },
      { renderFleetHtml },
    ] = await Promise.all([
      import("../fleet/run.js"),
      import("../fleet/output.js"),
      import("../fleet/expectations.js"),
      import("../shared/json.js"),
      import("../fleet/html.js"),
    ]);
    const run = await runFleetPlanOnThreads(plan, { threads: 1 });
    const expectations = evaluatePlanExpectations(run);
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

/** A fleet plan, or a fleet file (`fleet:` + `clusters:`) as the plan it stands for, as `edgesim fleet` loads them. */
async function loadAnyPlan(job: Job, yaml: import("../shared/yaml.js").YamlFile | undefined) {
  const [{ loadAnyFleetPlan }, { classifyFile, classifyText }] = await Promise.all([
    import("../fleet/file.js"),
    import("../kinds/registry.js"),
  ]);
  const kind = job.text !== undefined ? classifyText(job.text, job.file).kind : classifyFile(job.file).kind;
  return loadAnyFleetPlan(job.file, kind === "fleet" ? "fleet" : "fleet-plan", { root: job.root }, yaml);
}
