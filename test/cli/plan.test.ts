import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { DEFAULT_TIMINGS } from "../../src/machines/node.js";
import { formatDuration } from "../../src/shared/duration.js";

const P = "scenarios/profiles";

async function plan(...args: string[]) {
  const io = memoryIo();
  const code = await main(["plan", ...args], io);
  return { code, out: io.out, err: io.err };
}

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "edgesim-plan-"));
  writeFileSync(
    join(dir, "malformed.yaml"),
    "name: broken\nlayers:\n  os: { pack: edge-native-byoi\n  kubernetes: x\n",
  );
  writeFileSync(
    join(dir, "missing-pack.yaml"),
    "name: no-pack\nlayers:\n  os:\n    version: 1.0.0\n  kubernetes:\n    pack: edge-k3s\n    version: 1.30.5\n",
  );
  const base = readFileSync(`${P}/k3s-base.yaml`, "utf8");
  writeFileSync(
    join(dir, "addon.yaml"),
    base.replace(
      "layers:\n",
      "layers:\n  addons:\n    - { pack: nginx, version: 1.0.0, values: { replicas: 2 } }\n",
    ),
  );
  writeFileSync(
    join(dir, "unknown-path.yaml"),
    base.replace("      providerCredentials:\n", "      bootMode: uefi\n      providerCredentials:\n"),
  );
});

describe("edgesim plan: text", () => {
  it("a registry change: repave, with the rule, the reason and the node order", async () => {
    const { code, out, err } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-registry-change.yaml`);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain("Plan: k3s-base → k3s-registry-change");
    expect(out).toContain("Distribution: k3s");
    expect(out).toContain("Behavior: repave — Every node will be repaved, control planes first");
    expect(out).toMatch(/-\/\+ repave\s+options\.system\.registry/);
    expect(out).toContain("rule os.uri-parameter");
    expect(out).toContain("harbor.retail.example.com/edge/ubuntu:k3s-1.30.5-v4.5.3-retail");
    expect(out).toContain(
      "Node order: control planes first (cp-1, cp-2, cp-3), then workers (worker-1, worker-2)",
    );
  });

  it("node counts come from --control-planes and --workers", async () => {
    const { out } = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-stage-boot-change.yaml`,
      "--control-planes",
      "1",
      "--workers",
      "3",
    );
    expect(out).toContain("Behavior: reboot");
    expect(out).toContain(
      "Node order: control planes first (cp-1), then workers (worker-1, worker-2, worker-3)",
    );
  });

  it("estimates the rollout by simulating it with the default timings", async () => {
    const { code, out } = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-stage-boot-change.yaml`,
      "--control-planes",
      "1",
      "--workers",
      "2",
      "--json",
    );
    expect(code).toBe(0);
    const { estimate } = JSON.parse(out);
    // One node at a time, each: cordon, drain (k3s-base allows 120 s, the default drain takes less), reboot, rejoin.
    const perNode =
      DEFAULT_TIMINGS.cordonMs +
      DEFAULT_TIMINGS.drainMs +
      DEFAULT_TIMINGS.rebootMs +
      DEFAULT_TIMINGS.rejoinMs;
    expect(estimate.durationMs).toBe(3 * perNode);
    expect(estimate.nodes.map((n: { node: string; action: string }) => `${n.node}:${n.action}`)).toEqual([
      "cp-1:reboot",
      "worker-1:reboot",
      "worker-2:reboot",
    ]);
    expect(estimate.nodes[1].startMs).toBeGreaterThanOrEqual(estimate.nodes[0].readyMs);
  });

  it("with --max-unavailable, workers share the estimate's time slots and long node lists are ranges", async () => {
    const { out } = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-stage-boot-change.yaml`,
      "--workers",
      "20",
      "--max-unavailable",
      "10",
    );
    expect(out).toContain(
      "Node order: control planes first (cp-1, cp-2, cp-3), then workers (worker-1, worker-2 … worker-20)",
    );
    expect(out).toMatch(/Estimated rollout: \S+ \(default timings, no faults; 10 workers at a time\)/);
    expect(out).toContain("… 14 more nodes");
    const perNode =
      DEFAULT_TIMINGS.cordonMs +
      DEFAULT_TIMINGS.drainMs +
      DEFAULT_TIMINGS.rebootMs +
      DEFAULT_TIMINGS.rejoinMs;
    expect(out).toContain(`Estimated rollout: ${formatDuration(5 * perNode)} `);
  });

  it("--max-unavailable 0 is refused naming the option (a rollout must move at least one worker)", async () => {
    const io = memoryIo();
    const code = await main(
      ["plan", `${P}/k3s-base.yaml`, `${P}/k3s-noop.yaml`, "--max-unavailable", "0"],
      io,
    );
    expect(code).toBe(1);
    expect(io.err).toContain("--max-unavailable <n>");
    expect(io.err).toContain("expected a whole number from 1 to 10,000");
    expect(io.err).not.toContain("<simulation>");
  });

  it("an unsupported update gets no estimate", async () => {
    const { code, out } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-cni-switch.yaml`, "--json");
    expect(code).toBe(2);
    expect(JSON.parse(out).estimate).toBeUndefined();
  });

  it("no-op touches no node", async () => {
    const { code, out } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-noop.yaml`);
    expect(code).toBe(0);
    expect(out).toContain("Behavior: no-op");
    expect(out).toContain("rule kubernetes.clientConfig");
    expect(out).toContain("Node order: no node is touched");
  });

  it("service restart names the services", async () => {
    const { out } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-cni-values.yaml`);
    expect(out).toContain("Services restarted: networking");
    expect(out).toContain("rule network.values (restarts networking)");
  });

  it("unclassified changes are flagged", async () => {
    const { out } = await plan(`${P}/k3s-base.yaml`, join(dir, "unknown-path.yaml"));
    expect(out).toContain("bootMode  [unclassified]");
    expect(out).toContain("rule unclassified");
    expect(out).toContain("Behavior: reboot");
  });

  it("an add-on added is a no-op for the nodes, by a stated choice, not unclassified", async () => {
    const { out } = await plan(`${P}/k3s-base.yaml`, join(dir, "addon.yaml"));
    expect(out).not.toContain("[unclassified]");
    expect(out).toContain("rule addon.presence");
    expect(out).toContain("Behavior: no-op");
    expect(out).toContain("edgesim assumes");
  });
});

describe("edgesim plan --json", () => {
  it.each([
    ["k3s-base", "k3s-stage-boot-change", "k3s", "reboot", "os.stages.boot"],
    ["rke2-base", "rke2-stage-boot-change", "rke2", "repave", "rke2.stages"],
    ["rke2-base", "rke2-reconcile-change", "rke2", "config-reload", "rke2.stages.reconcile"],
    ["pxk-e-base", "pxk-e-cluster-config", "pxk-e", "service-restart", "kubernetes.cluster"],
    ["k3s-base", "k3s-os-uri-change", "k3s", "repave", "os.options.system.uri"],
    ["k3s-base", "k3s-kubernetes-upgrade", "k3s", "repave", "os.uri-parameter"],
    ["k3s-base", "k3s-storage-values", "k3s", "service-restart", "storage.values"],
  ])("%s → %s: %s %s by %s", async (from, to, distribution, behavior, rule) => {
    const { code, out } = await plan(`${P}/${from}.yaml`, `${P}/${to}.yaml`, "--json");
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({
      from,
      to,
      distribution,
      behavior,
      unsupported: [],
      warnings: expect.any(Array),
    });
    expect(json.changes.map((c: { rule: string }) => c.rule)).toContain(rule);
    for (const change of json.changes) {
      expect(Object.keys(change)).toEqual(
        expect.arrayContaining(["layer", "path", "behavior", "rule", "reason", "unclassified"]),
      );
    }
  });

  it("--no-rke2-quirk: stage changes on RKE2 reboot", async () => {
    const { out } = await plan(
      `${P}/rke2-base.yaml`,
      `${P}/rke2-stage-boot-change.yaml`,
      "--json",
      "--no-rke2-quirk",
    );
    expect(JSON.parse(out)).toMatchObject({ behavior: "reboot", changes: [{ rule: "os.stages.boot" }] });
  });

  it("--distribution overrides both profiles", async () => {
    const { out } = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-stage-boot-change.yaml`,
      "--json",
      "--distribution",
      "rke2",
    );
    expect(JSON.parse(out)).toMatchObject({ distribution: "rke2", behavior: "repave" });
  });

  it("--var changes a variable on both sides", async () => {
    const { out } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-base.yaml`, "--json", "--var", "site=store-7");
    expect(JSON.parse(out)).toMatchObject({ behavior: "no-op", changes: [] });
  });
});

describe("exit codes", () => {
  it("2 for a CNI switch; JSON still printed with unsupported", async () => {
    const { code, out } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-cni-switch.yaml`, "--json");
    expect(code).toBe(2);
    const json = JSON.parse(out);
    expect(json.unsupported).toEqual([
      expect.objectContaining({ layer: "network", rule: "network.pack-switch" }),
    ]);
  });

  it("2 for a storage switch (text names it unsupported)", async () => {
    const { code, out } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-storage-switch.yaml`);
    expect(code).toBe(2);
    expect(out).toContain("UNSUPPORTED");
    expect(out).toContain("csi-local-path → csi-longhorn");
  });

  it.each([
    ["repave", "k3s-registry-change", 3],
    ["reboot", "k3s-registry-change", 3],
    ["repave", "k3s-stage-boot-change", 0],
    ["reboot", "k3s-stage-boot-change", 3],
    ["no-op", "k3s-noop", 3],
    ["config-reload", "k3s-noop", 0],
  ])("--fail-on %s with %s → %i", async (failOn, to, expected) => {
    const { code } = await plan(`${P}/k3s-base.yaml`, `${P}/${to}.yaml`, "--fail-on", failOn);
    expect(code).toBe(expected);
  });

  it("--fail-on names the changes that reached the threshold on stderr", async () => {
    const { code, err } = await plan(
      `${P}/k3s-base.yaml`,
      `${P}/k3s-os-uri-change.yaml`,
      "--fail-on",
      "reboot",
    );
    expect(code).toBe(3);
    expect(err).toMatch(/^--fail-on reboot reached: the plan is repave\n {2}\S+ \S+: repave \(/);
    const below = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-reconcile-change.yaml`, "--fail-on", "reboot");
    expect(below.err).toBe("");
  });

  it("unsupported (2) takes precedence over --fail-on (3)", async () => {
    const { code } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-cni-switch.yaml`, "--fail-on", "no-op");
    expect(code).toBe(2);
  });

  it("1 for malformed YAML, naming file:line:col", async () => {
    const file = join(dir, "malformed.yaml");
    const { code, out, err } = await plan(`${P}/k3s-base.yaml`, file);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+`));
    expect(err).not.toContain("    at ");
  });

  it("the same broken file on both sides is reported once", async () => {
    const file = join(dir, "malformed.yaml");
    const once = await plan(`${P}/k3s-base.yaml`, file);
    const twice = await plan(file, file);
    expect(twice.code).toBe(1);
    expect(twice.err).toBe(once.err);
  });

  it("1 with the problems of both files together, naming dotted paths", async () => {
    const { code, err } = await plan(join(dir, "missing-pack.yaml"), join(dir, "malformed.yaml"));
    expect(code).toBe(1);
    expect(err).toContain("missing-pack.yaml");
    expect(err).toContain("layers.os.pack");
    expect(err).toContain("malformed.yaml:");
  });

  it("1 for a missing file", async () => {
    const { code, err } = await plan(`${P}/k3s-base.yaml`, "nope.yaml");
    expect(code).toBe(1);
    expect(err).toContain("nope.yaml");
  });

  it.each([
    [["--distribution", "k8s"], "k8s"],
    [["--fail-on", "explode"], "explode"],
    [["--workers", "-1"], "-1"],
    [["--var", "novalue"], "NAME=VALUE"],
  ])("1 for a bad option %j", async (args, mention) => {
    const { code, err } = await plan(`${P}/k3s-base.yaml`, `${P}/k3s-noop.yaml`, ...args);
    expect(code).toBe(1);
    expect(err).toContain(mention);
  });
});
