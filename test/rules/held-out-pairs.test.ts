import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { runScenario } from "../../src/scenario/run.js";

/*
 * Held-out profile pairs, built from the Palette pages edgesim follows for Palette as it is today (none of
 * them is a bundled profile): each pair is written twice — in edgesim's own format and as a Palette
 * cluster-profile export (spec.template.packs[] with layer) — and planned through the CLI; both shapes
 * must give what the page says.
 */

interface Spec {
  name: string;
  uri: string;
  /** `options.system.*` parameters beside the uri. */
  system?: Record<string, string>;
  k8sPack: string;
  k8sVersion: string;
  k8sValues?: Record<string, unknown>;
  /** OS pack `pack.*` settings (drainPods…). */
  osPack?: Record<string, unknown>;
}

const dir = mkdtempSync(join(tmpdir(), "edgesim-held-out-"));

function osValues(spec: Spec): Record<string, unknown> {
  const options: Record<string, string> = { "system.uri": spec.uri };
  for (const [key, value] of Object.entries(spec.system ?? {})) options[`system.${key}`] = value;
  return { ...(spec.osPack ? { pack: spec.osPack } : {}), options };
}

/** The profile in edgesim's format (JSON is YAML). */
function edgesimShape(spec: Spec): string {
  return JSON.stringify({
    name: spec.name,
    layers: {
      os: { pack: "edge-native-byoi", version: "2.1.0", values: osValues(spec) },
      kubernetes: { pack: spec.k8sPack, version: spec.k8sVersion, values: spec.k8sValues ?? {} },
      network: { pack: "cni-calico", version: "3.28.2", values: { manifests: { calico: { mtu: 1450 } } } },
    },
  });
}

/** The same profile as Palette's cluster-profile export: values as YAML text, layers os/k8s/cni. */
function exportShape(spec: Spec): string {
  const text = (value: unknown) => JSON.stringify(value, null, 2);
  return JSON.stringify({
    apiVersion: "v1",
    kind: "ClusterProfile",
    metadata: { name: spec.name },
    spec: {
      template: {
        type: "cluster",
        cloudType: "edge-native",
        packs: [
          { name: "edge-native-byoi", layer: "os", version: "2.1.0", values: text(osValues(spec)) },
          { name: spec.k8sPack, layer: "k8s", tag: spec.k8sVersion, values: text(spec.k8sValues ?? {}) },
          {
            name: "cni-calico",
            layer: "cni",
            version: "3.28.2",
            values: text({ manifests: { calico: { mtu: 1450 } } }),
          },
        ],
      },
    },
  });
}

const SHAPES = { edgesim: edgesimShape, export: exportShape } as const;

function write(spec: Spec, shape: keyof typeof SHAPES): string {
  const file = join(dir, `${spec.name}.${shape}.json`);
  writeFileSync(file, SHAPES[shape](spec));
  return file;
}

async function plan(from: Spec, to: Spec, shape: keyof typeof SHAPES, ...args: string[]) {
  const io = memoryIo();
  const code = await main(["plan", write(from, shape), write(to, shape), "--json", ...args], io);
  // biome-ignore lint/suspicious/noExplicitAny: the contract's JSON, read as a script would
  return { code, err: io.err, json: io.out ? (JSON.parse(io.out) as any) : undefined };
}

const rules = (json: { changes: { rule: string }[] }) => [...new Set(json.changes.map((c) => c.rule))].sort();

const canonicalNA: Spec = { name: "ck8s-na", uri: "NA", k8sPack: "edge-canonical", k8sVersion: "1.32.3" };
const canonicalNABumped: Spec = { ...canonicalNA, name: "ck8s-na-1-33", k8sVersion: "1.33.1" };

describe.each(["edgesim", "export"] as const)("held-out pairs in the %s shape", (shape) => {
  it("systemd extensions § Upgrade Kubernetes: a Canonical bump with uri NA repaves (sysext given, or taken and warned)", async () => {
    const given = await plan(canonicalNA, canonicalNABumped, shape, "--mode", "sysext");
    expect(given.code).toBe(0);
    expect(given.json).toMatchObject({ distribution: "canonical", mode: "sysext", behavior: "repave" });
    expect(rules(given.json)).toEqual(["sysext.kubernetes.version"]);
    const guessed = await plan(canonicalNA, canonicalNABumped, shape);
    expect(guessed.json.behavior).toBe("repave");
    expect(guessed.json.warnings.join("\n")).toMatch(/--mode agent/);
    // Agent mode is edgesim's stated choice, never silent.
    const agent = await plan(canonicalNA, canonicalNABumped, shape, "--mode", "agent");
    expect(agent.json.behavior).toBe("reboot");
    expect(agent.json.changes[0].assumption).toMatch(/documentation is silent/);
  });

  it("systemd extensions § Patch the Operating System and Upgrade Kubernetes: both in one revision, one repave", async () => {
    const patched: Spec = {
      ...canonicalNABumped,
      name: "ck8s-patched",
      uri: "registry.example.com/edge/ubuntu:24.04-p2",
    };
    const from: Spec = { ...canonicalNA, uri: "registry.example.com/edge/ubuntu:24.04-p1" };
    const both = await plan(
      from,
      patched,
      shape,
      "--mode",
      "sysext",
      "--control-planes",
      "1",
      "--workers",
      "1",
    );
    expect(both.json.behavior).toBe("repave");
    expect(rules(both.json)).toEqual(["sysext.kubernetes.version", "sysext.options.system.uri"]);
    // One repave per node for the revision: the estimate acts on each node once.
    expect(both.json.estimate.nodes.map((n: { action: string }) => n.action)).toEqual(["repave", "repave"]);
  });

  it("the kubeadm pack named `kubernetes` (Terraform examples) plans as PXK-E, with a warning", async () => {
    const from: Spec = {
      name: "kubeadm",
      uri: "registry.example.com/edge/ubuntu:k8s-1.31.4",
      k8sPack: "kubernetes",
      k8sVersion: "1.31.4",
      k8sValues: { cluster: { config: "a: 1" } },
    };
    const to: Spec = { ...from, name: "kubeadm-config", k8sValues: { cluster: { config: "a: 2" } } };
    const { code, json } = await plan(from, to, shape);
    expect(code).toBe(0);
    expect(json.distribution).toBe("pxk-e");
    expect(json.behavior).toBe("service-restart");
    expect(json.warnings.join("\n")).toMatch(/pxk-e/);
  });

  it("Two-Node Architecture § Limitations: K3s and Canonical plan as two-node, PXK-E is refused", async () => {
    const k3s: Spec = {
      name: "k3s-2n",
      uri: "registry.example.com/edge/ubuntu:k3s-1.31.4",
      k8sPack: "edge-k3s",
      k8sVersion: "1.31.4",
    };
    const k3sNext: Spec = {
      ...k3s,
      name: "k3s-2n-image",
      uri: "registry.example.com/edge/ubuntu:k3s-1.31.4-p1",
    };
    const ok = await plan(k3s, k3sNext, shape, "--two-node", "--workers", "0");
    expect(ok.code).toBe(0);
    expect(ok.json.estimate.twoNode.writeOutageMs).toBeGreaterThan(0);
    const pxk: Spec = { ...k3s, name: "pxk-2n", k8sPack: "edge-k8s" };
    const pxkNext: Spec = { ...k3sNext, name: "pxk-2n-image", k8sPack: "edge-k8s" };
    const refused = await plan(pxk, pxkNext, shape, "--two-node");
    expect(refused.code).toBe(2);
    expect(refused.json.unsupported.map((u: { rule: string }) => u.rule)).toEqual(["two-node.distribution"]);
    // systemd extensions § Two-Node Cluster Considerations: a two-node cluster with uri NA is refused.
    const sysext = await plan(canonicalNA, canonicalNABumped, shape, "--two-node");
    expect(sysext.code).toBe(2);
    expect(sysext.json.unsupported.map((u: { rule: string }) => u.rule)).toEqual(["two-node.sysext"]);
  });
});

describe("held-out scenarios: the same pairs replayed", () => {
  it("systemd extensions: the same two changes in two revisions repave every node twice, in one revision once", () => {
    const from: Spec = { ...canonicalNA, name: "s-from", uri: "registry.example.com/edge/ubuntu:24.04-p1" };
    const osOnly: Spec = { ...from, name: "s-os", uri: "registry.example.com/edge/ubuntu:24.04-p2" };
    const both: Spec = { ...osOnly, name: "s-both", k8sVersion: "1.33.1" };
    const files = [from, osOnly, both].map((spec) => write(spec, "export"));
    const scenario = (name: string, updates: string[]) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        [
          `name: ${name}`,
          "cluster: { controlPlanes: 1, workers: 1, mode: sysext }",
          `profile: ${files[0]}`,
          "events:",
          ...updates.map((update, i) => `  - { at: ${1 + i * 120}m, update: ${update} }`),
        ].join("\n"),
      );
      return runScenario(file);
    };
    const twice = scenario("two-revisions", [files[1] as string, files[2] as string]);
    const once = scenario("one-revision", [files[2] as string]);
    for (const node of ["cp-1", "worker-1"]) {
      expect(twice.nodes.find((n) => n.name === node)?.actions.repave).toBe(2);
      expect(once.nodes.find((n) => n.name === node)?.actions.repave).toBe(1);
    }
    expect(twice.finalProfile).toBe("s-both");
    expect(once.finalProfile).toBe("s-both");
  });
});
