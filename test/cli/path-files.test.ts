import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * Path files in `edgesim test`: the question `edgesim path` answers, held to expectations (steps,
 * repavesPerNode, maxRepavesPerNode, noPath), through the built CLI.
 */

const PXKE = resolve("scenarios/profiles/pxk-e-base.yaml");

let suite = "";
function write(name: string, text: string): string {
  const file = join(suite, name);
  writeFileSync(file, text);
  return file;
}
function edgesim(args: string[]) {
  return spawnEdgesim(args, { cwd: suite, timeoutMs: 120_000 });
}

beforeAll(() => {
  ensureBuilt();
  suite = mkdtempSync(join(tmpdir(), "edgesim-path-files-"));
  mkdirSync(join(suite, "profiles"));
  copyFileSync(PXKE, join(suite, "profiles", "today.yaml"));
});

const question = (expect: string) => `path:
  from: profiles/today.yaml
  kubernetes: 1.33.3
  versions: [1.31.4, 1.32.6, 1.33.3]
  cluster: { controlPlanes: 1, workers: 2, pools: [{ name: edge, workers: 2 }] }
expect:
${expect}
`;

describe("a path file in edgesim test", () => {
  it("passes when the recommended path meets its expectations, and fails (exit 4) naming the one that does not", () => {
    write("good.yaml", question("  steps: 4\n  repavesPerNode: 3\n  maxRepavesPerNode: 3"));
    const good = edgesim(["test", ".", "--filter", "good", "--json"]);
    expect(good.status, good.stderr).toBe(0);
    const json = JSON.parse(good.stdout);
    expect(json.scenarios[0].result).toBe("found");
    expect(json.scenarios[0].behavior).toBe("repave");
    expect(json.scenarios[0].path).toMatchObject({ steps: 4, repavesPerNode: 3 });
    expect(json.scenarios[0].expectations.map((e: { name: string }) => e.name)).toEqual([
      "steps",
      "repavesPerNode",
      "maxRepavesPerNode",
    ]);

    write("thin.yaml", question("  maxRepavesPerNode: 2"));
    const thin = edgesim(["test", ".", "--filter", "thin"]);
    expect(thin.status).toBe(4);
    expect(thin.stdout).toMatch(
      /✗ thin \([^)]*thin\.yaml\): maxRepavesPerNode: a node is repaved at most 3 times \(limit 2\)/,
    );
  });

  it("noPath: a limit no path meets is what the file expects", () => {
    write("none.yaml", question("  noPath: true").replace("versions:", "maxRepavesPerNode: 1\n  versions:"));
    const run = edgesim(["test", ".", "--filter", "none", "--json"]);
    expect(run.status, run.stdout).toBe(0);
    expect(JSON.parse(run.stdout).scenarios[0]).toMatchObject({ result: "no-path", path: null });
  });

  it("bad input is placed at file:line:col before any search", () => {
    write("broken.yaml", question("  steps: many"));
    const run = edgesim(["test", ".", "--filter", "broken"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/broken\.yaml:7:10: expect\.steps: /);

    write(
      "both.yaml",
      question("  steps: 4").replace("kubernetes: 1.33.3", "kubernetes: 1.33.3\n  to: profiles/today.yaml"),
    );
    const both = edgesim(["test", ".", "--filter", "both"]);
    expect(both.status).toBe(1);
    expect(both.stdout).toMatch(/both\.yaml:3:15: path\.kubernetes: give to: or kubernetes:, not both/);
  });

  it("a profile outside the run's root is refused, and followed with --allow-outside", () => {
    const inner = join(suite, "inner");
    mkdirSync(inner);
    writeFileSync(
      join(inner, "out.yaml"),
      question("  steps: 4").replace("profiles/today.yaml", "../profiles/today.yaml"),
    );
    const refused = spawnEdgesim(["test", "inner"], { cwd: suite, timeoutMs: 120_000 });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/out\.yaml:2:9: path\.from: \.\.\/profiles\/today\.yaml resolves outside/);
    const allowed = spawnEdgesim(["test", "inner", "--allow-outside"], { cwd: suite, timeoutMs: 120_000 });
    expect(allowed.status, allowed.stdout).toBe(0);
  });

  it("another command given a path file answers with one sentence", () => {
    const file = write("asked.yaml", question("  steps: 4"));
    const run = edgesim(["run", file]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(
      /this is a path file \(path, expect\); `edgesim run` takes .*check it with `edgesim test FOLDER`/,
    );
  });
});
