import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/** Outputs that must not mislead a reader, through the built CLI. */
const ROOT = resolve(import.meta.dirname, "../..");
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-honest-"));
});

describe("plan of an unsupported change", () => {
  it("does not print `No changes.` above the unsupported change", () => {
    const r = spawnEdgesim(
      ["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-cni-switch.yaml"],
      { cwd: ROOT, timeoutMs: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).not.toContain("No changes.");
    expect(r.stdout).toMatch(/No other changes: only the unsupported change below\.\n\nUnsupported \(1\):/);
  });

  it("a plan with nothing at all still says `No changes.`", () => {
    const r = spawnEdgesim(["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-base.yaml"], {
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });
});

describe("a blocked scenario's duration", () => {
  it("runs to the last thing a node did, not 0s, when nodes rebooted before Kubernetes went down", () => {
    const story = readFileSync(join(ROOT, "scenarios/story-kubernetes-down-mid-rollout.yaml"), "utf8")
      .replace("  - { at: 40m, kubernetes: up }\n", "")
      .replace(/expect:[\s\S]*$/, "expect:\n  result: blocked\n")
      .replaceAll("profiles/", `${join(ROOT, "scenarios/profiles")}/`);
    const file = join(dir, "blocked.yaml");
    writeFileSync(file, story);
    const r = spawnEdgesim(["run", file, "--allow-outside"], { cwd: dir, timeoutMs: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^result\s+blocked$/m);
    // The update came at 1m; cp-2 rejoined at 12m16s, after Kubernetes went down at 8m.
    expect(r.stdout).toMatch(/^00:12:16\.262\s+cp-2\s+node-rejoined/m);
    expect(r.stdout).toMatch(/^duration\s+11m16s$/m);
  });
});
