import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// The CI example is run, not just read: the plan step's script, as GitHub Actions would run it, in a
// repository whose pull request changes a profile.
const root = resolve(import.meta.dirname, "../..");
const WORKFLOW = join(root, "examples/ci/github-actions-plan-gate.yml");

interface Step {
  id?: string;
  run?: string;
  env?: Record<string, string>;
}
const workflow = parse(readFileSync(WORKFLOW, "utf8")) as {
  jobs: { plan: { env: Record<string, string>; steps: Step[] } };
};
const job = workflow.jobs.plan;
const planStep = job.steps.find((step) => step.id === "plan") as Step;

/** A repository with `profiles/site.yaml` at `before`, then a commit that changes it to `after`. */
function pullRequest(before: string, after: string): { dir: string; base: string } {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-ci-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  git("init", "-q");
  mkdirSync(join(dir, "profiles"));
  copyFileSync(join(root, "scenarios/profiles", before), join(dir, "profiles/site.yaml"));
  copyFileSync(join(root, "scenarios/profiles/k3s-base.yaml"), join(dir, "profiles/untouched.yaml"));
  git("add", ".");
  git("commit", "-qm", "base");
  const base = git("rev-parse", "HEAD");
  copyFileSync(join(root, "scenarios/profiles", after), join(dir, "profiles/site.yaml"));
  git("commit", "-qam", "change the profile");
  return { dir, base };
}

/** Runs the plan step the way Actions runs a `run:` block (bash -e, pipefail), edgesim on the PATH. */
function runPlanStep(before: string, after: string) {
  const { dir, base } = pullRequest(before, after);
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "edgesim"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(root, "bin/edgesim.js")}" "$@"\n`,
  );
  chmodSync(join(bin, "edgesim"), 0o755);
  const script = join(dir, ".step.sh");
  writeFileSync(script, planStep.run as string);
  const runnerTemp = mkdtempSync(join(tmpdir(), "edgesim-runner-"));
  const summary = join(runnerTemp, "summary.md");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      ...job.env,
      BASE: base,
      PATH: `${bin}:${process.env.PATH}`,
      RUNNER_TEMP: runnerTemp,
      GITHUB_STEP_SUMMARY: summary,
    },
  });
  const markdown = readFileSync(join(dir, "plan.md"), "utf8");
  return { status: result.status, stderr: result.stderr, markdown, summary: readFileSync(summary, "utf8") };
}

describe("the CI example (examples/ci/github-actions-plan-gate.yml)", () => {
  it("gates on repave and plans with --format markdown", () => {
    expect(job.env.FAIL_ON).toBe("repave");
    expect(planStep.run).toContain("--format markdown --fail-on");
  });

  it("fails a pull request whose profile change repaves (exit 3) and writes the plan", () => {
    const { status, stderr, markdown, summary } = runPlanStep("k3s-base.yaml", "k3s-registry-change.yaml");
    expect(status, stderr).toBe(3);
    expect(stderr).toContain("--fail-on repave reached: the plan is repave");
    expect(markdown).toContain("**`profiles/site.yaml`**");
    expect(markdown).toContain("### 🔴 edgesim plan: repave — k3s-base → k3s-registry-change");
    expect(markdown).toContain(
      '| os | `options.system.registry` | `"registry.retail.example.com"` → `"harbor.retail.example.com"` | 🔴 repave | `os.uri-parameter` |',
    );
    expect(markdown).toContain("> **Fails the check:** --fail-on repave reached: the plan is repave");
    // Only the changed profile is planned.
    expect(markdown.match(/edgesim plan:/g)).toHaveLength(1);
    expect(summary).toBe(markdown);
  });

  it("passes a pull request whose profile change is a no-op (exit 0)", () => {
    const { status, stderr, markdown } = runPlanStep("k3s-base.yaml", "k3s-noop.yaml");
    expect(status, stderr).toBe(0);
    expect(markdown).toContain("### ⚪ edgesim plan: no-op — k3s-base → k3s-noop");
    expect(markdown).not.toContain("Fails the check");
  });

  it("fails an unsupported change with edgesim's exit 2", () => {
    const { status, markdown } = runPlanStep("k3s-base.yaml", "k3s-cni-switch.yaml");
    expect(status).toBe(2);
    expect(markdown).toContain("UNSUPPORTED");
  });
});
