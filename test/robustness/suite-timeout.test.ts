import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

/*
 * `edgesim test` stops a file that runs past the per-file limit, through the built bin (the limit
 * needs the compiled worker thread): the file is its own error, the others still run, JUnit is written.
 */

const reboot = readFileSync(join(FIXTURES, "reboot.yaml"), "utf8");

/** Valid, but long: 10,100 nodes rolled one worker at a time through 1,000 Kubernetes flaps. */
function longScenario(): string {
  const events = ["  - { at: 1m, update: profiles/small-reboot.yaml }"];
  for (let i = 0; i < 1000; i++) {
    events.push(
      `  - { at: ${120 + i * 60}s, kubernetes: down }`,
      `  - { at: ${150 + i * 60}s, kubernetes: up }`,
    );
  }
  return `name: runs-for-long\ncluster: { controlPlanes: 100, workers: 10000 }\nprofile: profiles/small-base.yaml\nevents:\n${events.join("\n")}\n`;
}

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = workspace({ "a-long.yaml": longScenario(), "b-reboot.yaml": reboot });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnEdgesim(args, { cwd: dir, env, timeoutMs: 20_000 });
}

describe("edgesim test: the per-file time limit", () => {
  it("stops a file past the limit (EDGESIM_TEST_TIMEOUT), reports it, and runs the others", () => {
    const run = cli(["test", dir, "--junit", join(dir, "out.xml")], { EDGESIM_TEST_TIMEOUT: "0.5" });
    expect(run.signal, "the suite must not hang on the long file").toBeNull();
    expect(run.status).toBe(1);
    expect(run.stdout.trimEnd().split("\n")).toEqual([
      `✗ runs-for-long (${join(dir, "a-long.yaml")}): stopped after 500ms, the per-file time limit (raise it with --timeout SECONDS or EDGESIM_TEST_TIMEOUT)`,
      `✓ fixture-reboot (${join(dir, "b-reboot.yaml")})`,
      "1 passed, 1 failed",
    ]);
    const junit = readFileSync(join(dir, "out.xml"), "utf8");
    expect(junit).toContain('errors="1"');
    expect(junit).toMatch(
      /<testcase name="runs-for-long"[^>]*>\n\s*<error message="stopped after 500ms[^"]*" type="timeout">/,
    );
    expect(junit).toMatch(/<testcase name="fixture-reboot"[^>]*\/>/);
  });

  it("--timeout wins over the environment variable; --json marks the file timedOut", () => {
    const run = cli(["test", dir, "--json", "--timeout", "0.5"], { EDGESIM_TEST_TIMEOUT: "600" });
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as {
      scenarios: { name: string; passed: boolean; timedOut?: boolean; reason?: string }[];
    };
    expect(out.scenarios.map((s) => [s.name, s.passed, s.timedOut ?? s.reason ?? false])).toEqual([
      ["runs-for-long", false, true],
      ["fixture-reboot", true, false],
    ]);
  });

  it("a file within the limit runs to its end", () => {
    const run = cli(["test", dir, "--filter", "fixture-reboot", "--timeout", "30"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`✓ fixture-reboot (${join(dir, "b-reboot.yaml")})\n1 passed, 0 failed\n`);
  });

  it.each([
    [["--timeout", "0"], {}, /--timeout.*expected a number of seconds above 0, at most 86400/],
    [["--timeout", "1e9"], {}, /--timeout.*expected a number of seconds above 0/],
    [
      [],
      { EDGESIM_TEST_TIMEOUT: "soon" },
      /EDGESIM_TEST_TIMEOUT: must be a number of seconds above 0, at most 86400, not "soon"/,
    ],
  ])("refuses a limit that is not a number of seconds: %j %j", (args, env, message) => {
    const run = cli(["test", dir, ...args], env);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });
});
