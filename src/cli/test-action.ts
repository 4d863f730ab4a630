import { resolve } from "node:path";
import { type Colours, PLAIN } from "../report/colour.js";
import { renderJUnit } from "../report/junit.js";
import { noExpectReason } from "../report/timeline-text.js";
import { InputError } from "../shared/diagnostics.js";
import { writeOutput } from "../shared/files.js";
import {
  DEFAULT_FILE_TIMEOUT_SECONDS,
  FILE_TIMEOUT_ENV,
  FILE_TIMEOUT_RANGE,
  parseFileTimeout,
} from "../shared/limits.js";
import type { SuiteCase } from "../suite/suite.js";
import { folderArgument } from "./argument.js";
import { outputColours } from "./colour.js";
import { EXIT, type Io } from "./io.js";
import { referenceRoot, userPath } from "./options.js";
import type { TestCommandOptions } from "./test-options.js";

/** --timeout, else the environment variable, else the default. */
export function fileTimeout(options: TestCommandOptions): number {
  if (options.timeout !== undefined) return options.timeout;
  const raw = process.env[FILE_TIMEOUT_ENV];
  if (raw === undefined || raw === "") return DEFAULT_FILE_TIMEOUT_SECONDS;
  const seconds = parseFileTimeout(raw);
  if (seconds === undefined)
    throw new InputError([
      { file: FILE_TIMEOUT_ENV, message: `must be ${FILE_TIMEOUT_RANGE}, not ${JSON.stringify(raw)}` },
    ]);
  return seconds;
}

/** What `edgesim test DIR` does, loaded only when it runs (`test --help` needs none of it). */
export async function testCommand(
  io: Io,
  setExit: (code: number) => void,
  dir: string,
  options: TestCommandOptions,
): Promise<void> {
  const { candidateFiles } = await import("../suite/suite.js");
  const { SuiteRunner } = await import("../suite/suite-runner.js");
  const timeout = fileTimeout(options);
  const folder = folderArgument(io, dir, "test");
  const root = referenceRoot(io, options, resolve(io.cwd, dir));
  // Files run one after another in one worker thread (see SuiteRunner), so a file past the time
  // limit can be stopped. Not a thread per file: measured on the 30 bundled scenarios (2 cores),
  // 0.5 s in sequence against 0.9 s with a thread each, whose start-up and module loading cost
  // more than the ~17 ms a scenario takes. The thread reads and parses each YAML file of the
  // folder once: it tells whether the file is a scenario, its name for --filter, and runs it from
  // that document. The lines keep the order of the files.
  const runner = new SuiteRunner(timeout);
  const cases: SuiteCase[] = [];
  let scenarios = 0;
  try {
    for (const file of candidateFiles(folder)) {
      const outcome = await runner.run(file, {
        root,
        ...(options.update ? { update: true } : {}),
        ...(options.filter !== undefined ? { filter: options.filter } : {}),
      });
      if ("case" in outcome) cases.push(outcome.case);
      if (!("skipped" in outcome) || outcome.skipped === "filtered") scenarios++;
    }
  } finally {
    await runner.close();
  }
  if (scenarios === 0) {
    io.stderr(`no scenarios found under ${dir}\n`);
    setExit(EXIT.failure);
    return;
  }
  if (cases.length === 0) {
    io.stderr(`no scenario under ${dir} has a name containing "${options.filter}"\n`);
    setExit(EXIT.failure);
    return;
  }
  const passed = cases.filter((c) => c.passed).length;
  const failed = cases.length - passed;

  if (options.junit) {
    writeOutput(
      { file: userPath(io, options.junit), option: "--junit" },
      renderJUnit(
        cases.map((c) => ({
          name: c.name,
          file: c.file,
          passed: c.passed,
          ...(c.broken ? { error: true } : {}),
          ...(c.timedOut ? { timedOut: true } : {}),
          seconds: c.seconds,
          ...(c.reason !== undefined ? { message: c.reason } : {}),
          ...(c.detail !== undefined ? { detail: c.detail } : {}),
        })),
      ),
    );
  }
  io.stdout(
    options.json
      ? formatJson(cases, passed, failed)
      : formatText(cases, passed, failed, {
          quiet: options.quiet === true,
          colours: outputColours(io, options),
        }),
  );
  setExit(suiteExitCode(cases));
}

/** 0 all passed; 1 a file did not load (bad input wins: fix it first); 4 a scenario failed. */
export function suiteExitCode(cases: readonly Pick<SuiteCase, "passed" | "run">[]): number {
  if (cases.some((c) => !c.passed && c.run === undefined)) return EXIT.inputError;
  return cases.every((c) => c.passed) ? EXIT.ok : EXIT.notPassed;
}

export function formatText(
  cases: readonly SuiteCase[],
  passed: number,
  failed: number,
  options: { quiet?: boolean; colours?: Colours } = {},
): string {
  const paint = options.colours ?? PLAIN;
  const lines = cases
    .filter((c) => !options.quiet || !c.passed)
    .map((c) =>
      c.passed
        ? `${paint.pass("✓")} ${c.name} (${c.file})`
        : paint.fail(`✗ ${c.name} (${c.file}): ${c.reason ?? unexpectedReason(c)}`),
    );
  lines.push(
    `${paint.pass(`${passed} passed`)}, ${failed > 0 ? paint.fail(`${failed} failed`) : `${failed} failed`}`,
  );
  return `${lines.join("\n")}\n`;
}

/** Why a scenario with no expectations failed: its rollout did not converge, or an update was refused. */
function unexpectedReason(c: SuiteCase): string {
  if (!c.run) return "failed";
  return `no expect, and ${noExpectReason(c.run)}`;
}

function formatJson(cases: readonly SuiteCase[], passed: number, failed: number): string {
  const scenarios = cases.map((c) => ({
    name: c.name,
    file: c.file,
    passed: c.passed,
    ...(!c.passed ? { reason: c.reason ?? unexpectedReason(c) } : {}),
    ...(c.timedOut ? { timedOut: true } : {}),
    ...(c.run
      ? {
          result: c.run.result,
          behavior: c.run.behavior,
          ...("finalProfile" in c.run
            ? { finalProfile: c.run.finalProfile }
            : "path" in c.run
              ? { path: c.run.path }
              : {
                  clusters: c.run.clusters.map((cluster) => ({ name: cluster.name, result: cluster.result })),
                }),
          expectations: c.run.expectations,
        }
      : { error: c.detail }),
  }));
  return `${JSON.stringify({ passed, failed, scenarios }, null, 2)}\n`;
}
