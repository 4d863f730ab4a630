import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";

const profiles = resolve("scenarios/profiles");

function scenario(timings: string): string {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-timings-"));
  const file = join(dir, "s.yaml");
  writeFileSync(
    file,
    `name: timings
cluster:
  controlPlanes: 1
  workers: 1
  timings: { ${timings} }
profile: ${profiles}/k3s-base.yaml
events:
  - { at: 1m, update: ${profiles}/k3s-stage-boot-change.yaml }
  - { at: 2m, agent: restart }
`,
  );
  return file;
}

describe("cluster.timings", () => {
  it("sets each step exactly when jitter is 0, agent restarts included", () => {
    const run = runScenario(
      scenario("jitter: 0, reboot: 7m, rejoin: 30s, agentRestart: 2m, cordon: 1s, drain: 10s"),
    );
    const at = (event: string, node?: string) =>
      run.timeline.find((e) => e.event === event && (node === undefined || e.node === node))?.t;
    expect(run.timeline.find((e) => e.event === "agent-restart")?.downMs).toBe(120_000);
    const started = at("action-started", "cp-1") as number;
    expect(at("action-finished", "cp-1")).toBe(started + 7 * 60_000);
    expect(at("node-rejoined", "cp-1")).toBe(started + 7 * 60_000 + 30_000);
    expect(run.result).toBe("converged");
  });
});
