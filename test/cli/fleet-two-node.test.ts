import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * A fleet file's clusters take `twoNode` and `mode` as a scenario's cluster does (the same schema piece and
 * the same check), through the built CLI.
 */

const P = resolve(import.meta.dirname, "../../scenarios/profiles");
const dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-two-node-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, text: string, json = false) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return spawnEdgesim(["run", file, "--allow-outside", ...(json ? ["--json"] : [])], {
    cwd: dir,
    timeoutMs: 60_000,
  });
}

interface ClusterJson {
  name: string;
  result: string;
  behavior: string;
  finalProfile: string;
  timeline: { event: string; node?: string; rule?: string }[];
}

describe("fleet files: twoNode and mode per cluster", () => {
  ensureBuilt();

  it("a two-node cluster upgrades as one (a write outage, its leader named), beside the others", () => {
    const r = run(
      "pairs.yaml",
      `name: pairs
seed: 4
fleet: { concurrency: 3 }
update: ${P}/k3s-kubernetes-upgrade.yaml
clusters:
  - { name: pair, profile: ${P}/k3s-base.yaml, controlPlanes: 2, workers: 1, twoNode: { leader: cp-2 } }
  - { name: plain, profile: ${P}/k3s-base.yaml, controlPlanes: 2, workers: 1 }
`,
      true,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const clusters = (JSON.parse(r.stdout) as { clusters: ClusterJson[] }).clusters;
    const pair = clusters.find((c) => c.name === "pair") as ClusterJson;
    const plain = clusters.find((c) => c.name === "plain") as ClusterJson;
    expect(pair.result).toBe("converged");
    expect(pair.timeline.filter((e) => e.event === "write-outage-started")).toEqual([
      expect.objectContaining({ node: "cp-2" }),
    ]);
    expect(pair.timeline.some((e) => e.event === "liveness-probes-paused")).toBe(true);
    expect(plain.timeline.some((e) => e.event.startsWith("write-outage"))).toBe(false);
  });

  it("a two-node cluster's update to RKE2 is refused; the cluster stays", () => {
    const r = run(
      "rke2.yaml",
      `name: pair-rke2
fleet: { concurrency: 1 }
update: ${P}/rke2-kubernetes-upgrade.yaml
clusters:
  - { name: pair, profile: ${P}/k3s-base.yaml, controlPlanes: 2, workers: 0, twoNode: true }
`,
      true,
    );
    expect(r.status).toBe(0);
    const [pair] = (JSON.parse(r.stdout) as { clusters: ClusterJson[] }).clusters as ClusterJson[];
    expect(pair?.finalProfile).toBe("k3s-base");
    expect(pair?.timeline.filter((e) => e.event === "update-refused").map((e) => e.rule)).toEqual([
      "two-node.distribution",
    ]);
  });

  it("every bad two-node cluster is named at its place, with the limitation it breaks", () => {
    const r = run(
      "bad.yaml",
      `name: bad
fleet: { concurrency: 1 }
update: ${P}/k3s-kubernetes-upgrade.yaml
clusters:
  - { name: three, profile: ${P}/k3s-base.yaml, controlPlanes: 3, workers: 0, twoNode: true }
  - { name: agentpair, profile: ${P}/k3s-base.yaml, controlPlanes: 2, workers: 0, twoNode: true, mode: agent }
  - { name: rke, profile: ${P}/rke2-base.yaml, controlPlanes: 2, workers: 0, twoNode: true }
`,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(
      /bad\.yaml:5:\d+: clusters\[0\]\.controlPlanes: a two-node cluster has exactly 2 control planes/,
    );
    expect(r.stderr).toMatch(
      /bad\.yaml:6:\d+: clusters\[1\]\.mode: two-node clusters do not support agent mode/,
    );
    expect(r.stderr).toMatch(
      /bad\.yaml:7:\d+: clusters\[2\]\.twoNode: two-node clusters support K3s and Canonical only/,
    );
  });
});
