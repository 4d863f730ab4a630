import { resolve } from "node:path";
import { renderJUnit } from "../report/junit.js";
import { writeOutput } from "../shared/files.js";
import { defaultThreads } from "../shared/threads.js";
import type { SuiteCase, SuiteOptions } from "../suite/suite.js";
import { outputColours } from "./colour.js";
import { EXIT, type Io } from "./io.js";
import {
  formatMutantList,
  formatMutationJson,
  formatMutationText,
  mutationJUnitCases,
} from "./mutate-report.js";
import { referenceRoot, userPath } from "./options.js";
import { fileTimeout, suiteExitCode } from "./test-action.js";
import type { TestCommandOptions } from "./test-options.js";

/**
 * `edgesim test DIR --mutate [IDS]`: the suite once as is, then once per mutant of the model, each
 * mutant in a worker thread of its own (`--threads` at once) with the per-file time limit. Only the
 * files that pass as is can kill a mutant; when none does, there is nothing to measure (exit 1, or the
 * suite's own code when a file failed).
 */
export async function mutateCommand(
  io: Io,
  setExit: (code: number) => void,
  dir: string,
  options: TestCommandOptions,
): Promise<void> {
  const { selectMutants, allMutants } = await import("../suite/mutants.js");
  if (options.mutate === "list") {
    io.stdout(formatMutantList(allMutants()));
    setExit(EXIT.ok);
    return;
  }
  const mutants = selectMutants(options.mutate ?? true);
  const { candidateFiles } = await import("../suite/suite.js");
  const { SuiteRunner } = await import("../suite/suite-runner.js");
  const { runMutants } = await import("../suite/mutate.js");
  const timeout = fileTimeout(options);
  const folder = userPath(io, dir);
  const root = referenceRoot(io, options, resolve(io.cwd, dir));
  const suiteOptions: SuiteOptions = {
    root,
    ...(options.filter !== undefined ? { filter: options.filter } : {}),
  };

  const baseline: SuiteCase[] = [];
  const runner = new SuiteRunner(timeout);
  try {
    for (const file of candidateFiles(folder)) {
      const outcome = await runner.run(file, { ...suiteOptions, trace: true });
      if ("case" in outcome) baseline.push(outcome.case);
    }
  } finally {
    await runner.close();
  }
  const passing = baseline.filter((c) => c.passed);
  const failing = baseline.filter((c) => !c.passed);
  for (const c of failing)
    io.stderr(
      `left out (fails as is, so it kills nothing): ${c.name} (${c.file}): ${c.reason ?? "failed"}\n`,
    );
  if (passing.length === 0) {
    io.stderr(`no scenario under ${dir} passes as is: nothing to measure the mutants against\n`);
    setExit(failing.length > 0 ? suiteExitCode(failing) : EXIT.failure);
    return;
  }

  // Without the compiled worker (the sources run directly) the files run in this thread, where the
  // variation is this thread's: one mutant at a time.
  const threads = new SuiteRunner(timeout).limited ? (options.threads ?? defaultThreads()) : 1;
  const report = await runMutants({
    baseline: passing,
    mutants,
    options: suiteOptions,
    threads,
    runner: () => new SuiteRunner(timeout),
  });

  if (options.junit) {
    writeOutput(
      { file: userPath(io, options.junit), option: "--junit" },
      renderJUnit(mutationJUnitCases(report, options.minScore), "edgesim mutants"),
    );
  }
  io.stdout(
    options.json
      ? formatMutationJson(report, passing.length, options.minScore)
      : formatMutationText(report, passing.length, {
          colours: outputColours(io, options),
          quiet: options.quiet === true,
        }),
  );
  setExit(options.minScore !== undefined && report.score < options.minScore ? EXIT.notPassed : EXIT.ok);
}
