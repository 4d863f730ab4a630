import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/load.js";
import { withLogFile } from "../../src/scenario/log-file.js";
import { runScenario } from "../../src/scenario/run.js";
import { formatDiagnostic } from "../../src/shared/diagnostics.js";
import { writeOutput } from "../../src/shared/files.js";
import { diagnosticsOf, HEADER, workspace } from "./helpers.js";

// Regressions found by the property tests in test/robustness.
describe("scenarios: inputs that used to hang, crash or point nowhere", () => {
  it.each([
    ["controlPlanes: 2147483647", "cluster.controlPlanes: must be at most 100", 3],
    ["workers: 10001", "cluster.workers: must be at most 10000", 4],
    ["retries: 1000000", "cluster.retries: must be at most 100", 5],
  ])(
    "%s is refused at its line (it allocated every node or retried past the runaway guard)",
    (line, message, at) => {
      const text = HEADER.replace(
        "  controlPlanes: 1\n  workers: 2\n",
        `  controlPlanes: 1\n  workers: 2\n  retries: 1\n`,
      ).replace(new RegExp(`  ${line.split(":")[0]}: \\d+`), `  ${line}`);
      const dir = workspace({ "s.yaml": text });
      const file = join(dir, "s.yaml");
      expect(diagnosticsOf(() => loadScenario(file)).map(formatDiagnostic)).toEqual([
        `${file}:${at}:${line.indexOf(":") + 5}: ${message}`,
      ]);
    },
  );

  it("a duration too long for a number is refused at its line (it read as Infinity)", () => {
    const dir = workspace({
      "s.yaml": `${HEADER}events:\n  - { at: "${"9".repeat(400)}", agent: restart }\n`,
    });
    const [d] = diagnosticsOf(() => loadScenario(join(dir, "s.yaml")));
    expect(d).toMatchObject({ path: "events[0].at", line: 7, col: 11 });
  });

  it("a profile file that does not exist is reported once, at the reference", () => {
    const dir = workspace({ "s.yaml": HEADER.replace("small-base", "missing") });
    const file = join(dir, "s.yaml");
    const diagnostics = diagnosticsOf(() => loadScenario(file));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file, line: 5, path: "profile" });
    expect(diagnostics[0]?.message).toMatch(/missing\.yaml does not load: file not found/);
  });

  it("a golden timeline path naming a folder fails that expectation instead of crashing the run", () => {
    const dir = workspace({ "s.yaml": `${HEADER}expect:\n  timeline: profiles\n` });
    const run = runScenario(join(dir, "s.yaml"));
    expect(run.passed).toBe(false);
    expect(run.expectations).toEqual([
      {
        name: "timeline",
        passed: false,
        message: "cannot read golden timeline profiles: is a directory, not a regular file",
      },
    ]);
  });
});

describe("output files: a folder in the way is an input error naming it, and no temporary stays", () => {
  it("writeOutput", () => {
    const dir = workspace();
    const target = join(dir, "out.xml");
    mkdirSync(target);
    expect(diagnosticsOf(() => writeOutput(target, "x")).map(formatDiagnostic)).toEqual([
      `${target}: cannot write: is a directory, not a file`,
    ]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("withLogFile", () => {
    const dir = workspace();
    const target = join(dir, "run.ndjson");
    mkdirSync(target);
    expect(diagnosticsOf(() => withLogFile(target, () => 1)).map(formatDiagnostic)).toEqual([
      `${target}: --log: cannot write: is a directory, not a file`,
    ]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(target, "x"))).toBe(false);
  });
});
