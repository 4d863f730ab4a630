import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

/*
 * The Palette material users hold, each shape planned end to end through the CLI. The files under
 * test/fixtures/profiles/palette are written from the public structures: an API GET of a cluster
 * profile (spec.published, JSON), a cluster-create body (spec.profiles[].packValues[], no layer), a
 * Terraform modules profile file (packs[] with layer and tag, manifests with content) and a request
 * body with spec.packs.
 */

const F = "test/fixtures/profiles/palette";

async function planJson(from: string, to: string) {
  const io = memoryIo();
  const code = await main(["plan", `${F}/${from}`, `${F}/${to}`, "--json"], io);
  expect(io.err).toBe("");
  // biome-ignore lint/suspicious/noExplicitAny: the contract's JSON, read as a script would
  return { code, plan: JSON.parse(io.out) as any };
}

const rulesOf = (plan: { changes: { layer: string; path: string; rule: string }[] }) =>
  plan.changes.map((c) => `${c.layer}:${c.path}:${c.rule}`);

describe("Palette formats, planned end to end", () => {
  it("API GET body (spec.published; spec.draft ignored): a boot.after stage, cluster.config text, an add-on", async () => {
    const { code, plan } = await planJson("api-get-v1.json", "api-get-v2.json");
    expect(code).toBe(0);
    expect(plan.from).toBe("edge-retail");
    expect(plan.distribution).toBe("k3s");
    expect(plan.behavior).toBe("reboot");
    expect(rulesOf(plan)).toEqual([
      "os:stages.boot.after[0].files[0].content:os.stages.boot",
      "kubernetes:cluster.config:kubernetes.cluster",
      "addon:hello-universe:pack.replicas:addon.values",
    ]);
    // cluster.config is YAML text: the plan names the key inside it, classified by the outer rule.
    expect(plan.changes[1]).toMatchObject({
      innerPath: "kube-apiserver-arg[3]",
      from: "audit-log-maxage=30",
      to: "audit-log-maxage=14",
      behavior: "service-restart",
    });
    const io = memoryIo();
    await main(["plan", `${F}/api-get-v1.json`, `${F}/api-get-v2.json`], io);
    expect(io.out).toContain("cluster.config → kube-apiserver-arg[3]");
    expect(io.out).toContain("Changes (3): 1 reboot, 1 service-restart, 1 no-op");
    expect(io.out.match(/markers: /g)).toHaveLength(1);
  });

  it('cluster-create body: layers inferred from pack names, uri "NA" with no mode (sysext, warned), an add-on profile', async () => {
    const { code, plan } = await planJson("cluster-create-v1.json", "cluster-create-v2.json");
    expect(code).toBe(0);
    expect(plan.from).toBe("store-042");
    expect(plan.distribution).toBe("rke2");
    expect(plan.mode).toBe("sysext");
    expect(plan.behavior).toBe("repave");
    expect(rulesOf(plan)).toEqual([
      "kubernetes:@version:sysext.kubernetes.version",
      "addon:prometheus-operator:prometheus.retention:addon.values",
    ]);
    expect(plan.warnings.some((w: string) => w.includes("no delivery mode was given"))).toBe(true);
  });

  it('Canonical (edge-canonical) in a cluster-create body: uri "NA" bumps repave as sysext, reboot with --mode agent', async () => {
    const { code, plan } = await planJson(
      "cluster-create-canonical-v1.json",
      "cluster-create-canonical-v2.json",
    );
    expect(code).toBe(0);
    expect(plan.distribution).toBe("canonical");
    expect(plan.mode).toBe("sysext");
    expect(plan.behavior).toBe("repave");
    expect(rulesOf(plan)).toContain("kubernetes:@version:sysext.kubernetes.version");
    const io = memoryIo();
    const args = [`${F}/cluster-create-canonical-v1.json`, `${F}/cluster-create-canonical-v2.json`];
    expect(await main(["plan", ...args, "--mode", "agent", "--json"], io)).toBe(0);
    const agent = JSON.parse(io.out) as { mode: string; behavior: string; changes: { rule: string }[] };
    expect([agent.mode, agent.behavior]).toEqual(["agent", "reboot"]);
    expect(agent.changes.map((c) => c.rule)).toContain("kubernetes.version.agent-mode");
  });

  it("Terraform modules profile with the kubeadm pack named kubernetes: read as PXK-E, with the assumption said", async () => {
    const { code, plan } = await planJson(
      "terraform-profile-kubeadm-v1.yaml",
      "terraform-profile-kubeadm-v2.yaml",
    );
    expect(code).toBe(0);
    expect(plan.distribution).toBe("pxk-e");
    expect(plan.behavior).toBe("reboot");
    expect(
      plan.warnings.some((w: string) => /"kubernetes".*read as distribution pxk-e, an assumption/.test(w)),
    ).toBe(true);
  });

  it("cluster-create body with --mode agent: the kubernetes bump reboots by the agent-mode assumption", async () => {
    const io = memoryIo();
    const code = await main(
      ["plan", `${F}/cluster-create-v1.json`, `${F}/cluster-create-v2.json`, "--mode", "agent", "--json"],
      io,
    );
    expect(code).toBe(0);
    const plan = JSON.parse(io.out);
    expect(plan).toMatchObject({ mode: "agent", behavior: "reboot" });
    expect(rulesOf(plan)[0]).toBe("kubernetes:@version:kubernetes.version.agent-mode");
    expect(plan.changes[0].assumption).toContain("agent mode");
  });

  it('--fail-on repave stops a uri "NA" kubernetes bump when no mode is given (the CI gate is not fooled)', async () => {
    const io = memoryIo();
    const code = await main(
      ["plan", `${F}/cluster-create-v1.json`, `${F}/cluster-create-v2.json`, "--fail-on", "repave"],
      io,
    );
    expect(code).toBe(3);
    expect(io.out).toContain("Delivery: sysext");
    expect(io.err).toContain("sysext.kubernetes.version");
  });

  it("Terraform modules profile file: tag without version, initramfs.before, a manifest's content", async () => {
    const { code, plan } = await planJson("terraform-profile-v1.yaml", "terraform-profile-v2.yaml");
    expect(code).toBe(0);
    expect(plan.from).toBe("edge-k3s-retail");
    expect(plan.behavior).toBe("reboot");
    expect(rulesOf(plan)).toEqual([
      "os:stages.initramfs.before[0].commands[0]:os.stages.initramfs",
      "addon:hello-universe:@manifest:hello-universe:addon.manifest",
    ]);
  });

  it("request body with spec.packs and no template", async () => {
    const { code, plan } = await planJson("spec-packs-v1.yaml", "spec-packs-v2.yaml");
    expect(code).toBe(0);
    expect(plan).toMatchObject({ distribution: "pxk-e", behavior: "service-restart", services: ["storage"] });
    expect(rulesOf(plan)).toEqual(["storage:storageClass.reclaimPolicy:storage.values"]);
  });

  it("the same profile in two formats plans no change", async () => {
    const { plan } = await planJson("spec-packs-v1.yaml", "spec-packs-v1.yaml");
    expect(plan.changes).toEqual([]);
  });

  it("a file of another shape gets one message listing the accepted formats", async () => {
    const io = memoryIo();
    const code = await main(["plan", `${F}/unknown-shape.yaml`, `${F}/spec-packs-v1.yaml`], io);
    expect(code).toBe(1);
    const errors = io.err.split("\n").filter((line) => line.startsWith("error:"));
    expect(errors).toEqual([
      `error: ${F}/unknown-shape.yaml:1:1: is not a profile edgesim can read. Accepted formats:`,
    ]);
    for (const format of [
      "edgesim profile",
      "cluster-profile export",
      "spec.published.packs",
      "spec.profiles[].packValues[]",
      "Terraform",
    ]) {
      expect(io.err).toContain(format);
    }
  });

  it("a refused update: --json behavior is unsupported, exit 2", async () => {
    const io = memoryIo();
    const code = await main(
      ["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-cni-switch.yaml", "--json"],
      io,
    );
    expect(code).toBe(2);
    const plan = JSON.parse(io.out);
    expect(plan.behavior).toBe("unsupported");
    expect(plan.unsupported.length).toBeGreaterThan(0);
  });

  it("--layer os: CanvOS OS values files, a network.after stage, on RKE2", async () => {
    const V = "test/fixtures/profiles/values";
    const io = memoryIo();
    const args = [
      "plan",
      "--layer",
      "os",
      "--distribution",
      "rke2",
      `${V}/canvos-os-v1.yaml`,
      `${V}/canvos-os-v2.yaml`,
    ];
    expect(await main([...args, "--json"], io)).toBe(0);
    const plan = JSON.parse(io.out);
    expect(plan.behavior).toBe("repave");
    expect(rulesOf(plan)).toEqual([
      "os:stages.network.after[0].commands[0]:rke2.stages",
      "os:stages.reconcile[0].files[0].content:rke2.stages.reconcile",
    ]);
    const withoutQuirk = memoryIo();
    expect(await main([...args, "--json", "--no-rke2-quirk"], withoutQuirk)).toBe(0);
    expect(JSON.parse(withoutQuirk.out).behavior).toBe("reboot");
  });

  it("--layer network: a pack's values.yaml", async () => {
    const V = "test/fixtures/profiles/values";
    const io = memoryIo();
    expect(
      await main(
        [
          "plan",
          "--layer",
          "network",
          "--distribution",
          "k3s",
          `${V}/calico-v1.yaml`,
          `${V}/calico-v2.yaml`,
          "--json",
        ],
        io,
      ),
    ).toBe(0);
    const plan = JSON.parse(io.out);
    expect(plan).toMatchObject({ behavior: "service-restart", services: ["networking"] });
    expect(rulesOf(plan)).toEqual([
      "network:manifests.calico.env.calicoNode.CALICO_IPV4POOL_BLOCK_SIZE:network.values",
    ]);
  });

  it("--layer without --distribution, and values of several documents, are input errors in plain words", async () => {
    const V = "test/fixtures/profiles/values";
    const missing = memoryIo();
    expect(await main(["plan", "--layer", "os", `${V}/calico-v1.yaml`, `${V}/calico-v2.yaml`], missing)).toBe(
      1,
    );
    expect(missing.err).toContain("add --distribution");
    const several = memoryIo();
    expect(
      await main(
        [
          "plan",
          "--layer",
          "kubernetes",
          "--distribution",
          "k3s",
          `${V}/two-documents.yaml`,
          `${V}/calico-v1.yaml`,
        ],
        several,
      ),
    ).toBe(1);
    expect(several.err).toContain(`${V}/two-documents.yaml:5:1: holds several YAML documents`);
    expect(several.err).not.toContain("parseAllDocuments");
  });

  it("values text of several documents inside a profile says so in a pack user's terms", async () => {
    const { parseProfile } = await import("../../src/profile/parse.js");
    const text = [
      "name: p",
      "layers:",
      "  os: { pack: edge-native-byoi, version: 1.0.0 }",
      "  kubernetes:",
      "    pack: edge-k3s",
      "    version: 1.30.5",
      "    values: |",
      "      a: 1",
      "      ---",
      "      b: 2",
    ].join("\n");
    let message = "";
    try {
      parseProfile(text, "p.yaml");
    } catch (error) {
      message = String((error as Error).message);
    }
    expect(message).toContain("the values text holds several YAML documents");
    expect(message).not.toContain("split it into files");
  });
});
