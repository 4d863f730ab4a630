import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { ROLLOUT_RULES, rolloutRuleUrl } from "../../src/rules/rollout-rules.js";
import { REFERENCE_PAGE, RULES } from "../../src/rules/table.js";

async function rules(...args: string[]) {
  const io = memoryIo();
  const code = await main(["rules", ...args], io);
  return { code, out: io.out, err: io.err };
}

describe("edgesim rules", () => {
  it("lists every rule of the table with its id, behavior and source", async () => {
    const { code, out } = await rules();
    expect(code).toBe(0);
    for (const rule of RULES) {
      expect(out).toMatch(
        new RegExp(`^${rule.id.replace(/\./g, "\\.")}\\s+\\S+\\s+\\S+\\s+${rule.behavior}`, "m"),
      );
    }
    expect(out).toContain(
      `${RULES.length} rules from Palette's documentation, mainly Edge Cluster Upgrade Behavior (${REFERENCE_PAGE}); a path no rule covers is planned as reboot (unclassified).`,
    );
    expect(out).toContain("follows the rule of stage X.\n\nRollout rules");
    expect(out).toMatch(/^addon\.values .*\n.*\n.*\n\s+assumes: .*edgesim assumes add-ons disrupt no node/m);
  });

  it("lists the rollout rules (drain, two-node, A/B fallback, one upgrade at a time), each with its page and section", async () => {
    const { out } = await rules();
    const ids = ROLLOUT_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        "drain.drain-pods",
        "two-node.write-outage",
        "ab-fallback.operator",
        "agent.previous-upgrade-completes",
      ]),
    );
    for (const rule of ROLLOUT_RULES) {
      const id = rule.id.replace(/\./g, "\\.");
      const place = `${rule.page.title} § ${rule.section}: ${rolloutRuleUrl(rule)}`;
      expect(out).toMatch(
        new RegExp(`^${id}\\s+\\S.*\\n\\s+${place.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
      );
    }
  });

  it("--mode picks a delivery mode's rules; the systemd-extension rows cite their page and section", async () => {
    const sysext = await rules("--mode", "sysext");
    expect(sysext.code).toBe(0);
    expect(sysext.out).toMatch(/^sysext\.kubernetes\.version\s+kubernetes\s+@version:sysext\s+repave/m);
    expect(sysext.out).toContain(
      "Deliver Kubernetes and Agent Binaries via systemd Extensions § Upgrade a Cluster That Uses systemd Extensions (Upgrade Kubernetes): https://docs.spectrocloud.com/clusters/edge/edgeforge-workflow/palette-canvos/build-provider-images/systemd-extensions/#upgrade-a-cluster-that-uses-systemd-extensions",
    );
    expect(sysext.out).toContain("[delivery sysext only]");
    expect(sysext.out).not.toMatch(/^kubernetes\.version\.agent-mode /m);
    expect(sysext.out).not.toMatch(/^kubernetes\.version /m);
    const agent = await rules("--mode", "agent");
    expect(agent.out).toMatch(/^kubernetes\.version\.agent-mode /m);
    expect(agent.out).not.toMatch(/^sysext\./m);
    const all = await rules();
    for (const id of [
      "sysext.kubernetes.version",
      "sysext.options.system.uri",
      "kubernetes.version.agent-mode",
    ])
      expect(all.out).toMatch(new RegExp(`^${id.replace(/\./g, "\\.")} `, "m"));
    const bad = await rules("--mode", "bogus");
    expect(bad.code).toBe(1);
  });

  it("lists the Kubernetes N-3 skew check, the rule a refused skipped-pool upgrade names", async () => {
    const { out } = await rules();
    expect(out).toMatch(/^kubernetes\.version-skew\s+kubernetes\s+@version:skew\s+unsupported\s*$/m);
    expect(out).toContain("Kubernetes N-3 skew");
    const io = memoryIo();
    const code = await main(["run", "scenarios/story-skip-worker-pool-skew-refused.yaml", "--json"], io);
    const run = JSON.parse(io.out) as { timeline: { event: string; rule?: string }[] };
    expect(code).toBe(0);
    const refusals = run.timeline.filter((entry) => entry.event === "update-refused");
    expect(refusals.map((entry) => entry.rule)).toEqual(["kubernetes.version-skew"]);
    expect(RULES.map((rule) => rule.id)).toContain(refusals[0]?.rule);
  });

  it("lists the skip-worker-update distribution check, and a K3s cluster with the toggle refuses the update by it", async () => {
    const { out } = await rules();
    expect(out).toMatch(
      /^kubernetes\.skip-worker-update\s+kubernetes\s+@pool:skip-worker-update\s+unsupported\s*$/m,
    );
    const io = memoryIo();
    const code = await main(["run", "scenarios/story-skip-worker-refused-on-k3s.yaml", "--json"], io);
    expect(code).toBe(0);
    const run = JSON.parse(io.out) as {
      finalProfile: string;
      timeline: { event: string; rule?: string; reason?: string }[];
    };
    const refusals = run.timeline.filter((entry) => entry.event === "update-refused");
    expect(refusals.map((entry) => entry.rule)).toEqual(["kubernetes.skip-worker-update"]);
    expect(refusals[0]?.reason).toContain("PXK-E and Canonical only, not k3s");
    expect(run.timeline.some((entry) => entry.event === "action-started")).toBe(false);
  });

  it("starts with a header row whose columns line up with the rules' columns", async () => {
    const { out } = await rules();
    const [header, first] = out.split("\n");
    expect(header).toMatch(/^rule\s+layers\s+path\s+behavior \(services\)$/);
    const rule = RULES[0];
    for (const [column, cell] of [
      ["layers", rule.layers.join(",")],
      ["path", rule.path],
      ["behavior", rule.behavior],
    ] as const) {
      expect(first?.indexOf(` ${cell}`), column).toBe(header?.indexOf(` ${column}`));
    }
  });

  it("cites each rule's section of the public Palette page, never a file outside the repository", async () => {
    const { out } = await rules();
    expect(out).not.toMatch(/\.md\b/);
    expect(out).toContain(
      "Edge Cluster Upgrade Behavior § Known Issues (RKE2): https://docs.spectrocloud.com/clusters/edge/upgrade-behavior/#known-issues",
    );
    const json = JSON.parse((await rules("--json")).out) as { changeRules: { id: string; url: string }[] };
    expect(json.changeRules.find((rule) => rule.id === "os.options.system.uri")?.url).toBe(
      `${REFERENCE_PAGE}#os-layer`,
    );
  });

  it("filters by distribution and leaves the RKE2 known issue out on request", async () => {
    const ids = async (...args: string[]) =>
      (JSON.parse((await rules(...args, "--json")).out) as { changeRules: { id: string }[] }).changeRules.map(
        (rule) => rule.id,
      );
    const k3s = await ids("--distribution", "k3s");
    const rke2 = await ids("--distribution", "rke2");
    const rke2Fixed = await ids("--distribution", "rke2", "--no-rke2-quirk");
    expect(k3s).not.toContain("rke2.stages");
    expect(rke2).toContain("rke2.stages");
    expect(rke2).toContain("rke2.stages.reconcile");
    expect(rke2Fixed).not.toContain("rke2.stages");
    expect(rke2Fixed).toContain("os.stages.boot");
    expect(rke2.length - rke2Fixed.length).toBe(2);
  });

  it("--json: one object, the change rules and the rollout rules, each rollout rule with its source and scope", async () => {
    const json = JSON.parse((await rules("--json")).out) as {
      changeRules: { id: string }[];
      rolloutRules: Record<string, unknown>[];
    };
    expect(Object.keys(json)).toEqual(["changeRules", "rolloutRules"]);
    expect(json.changeRules.map((rule) => rule.id)).toEqual(RULES.map((rule) => rule.id));
    expect(json.rolloutRules.map((rule) => rule.id)).toEqual(ROLLOUT_RULES.map((rule) => rule.id));
    expect(json.rolloutRules.find((rule) => rule.id === "two-node.write-outage")).toEqual({
      id: "two-node.write-outage",
      statement: expect.stringContaining("writes are unavailable"),
      reference: "Two-Node Architecture § Upgrade Behavior",
      url: "https://docs.spectrocloud.com/clusters/edge/architecture/two-node/#upgrade-behavior",
      code: "src/controller/two-node.ts",
      distributions: ["k3s", "canonical"],
      modes: ["appliance"],
    });
    for (const rule of json.rolloutRules)
      expect(Object.keys(rule).filter((key) => key !== "modes")).toEqual([
        "id",
        "statement",
        "reference",
        "url",
        "code",
        "distributions",
      ]);
  });

  it("--distribution and --mode filter the rollout rules as they filter the change rules", async () => {
    const rollout = async (...args: string[]) =>
      (
        JSON.parse((await rules(...args, "--json")).out) as { rolloutRules: { id: string }[] }
      ).rolloutRules.map((rule) => rule.id);
    const all = ROLLOUT_RULES.map((rule) => rule.id);
    const twoNode = ["two-node.upgrade-order", "two-node.write-outage"];
    // Two-Node Architecture § Limitations: K3s and Canonical only, not in agent mode; no systemd extensions.
    expect(await rollout("--distribution", "k3s")).toEqual(all);
    expect(await rollout("--distribution", "canonical")).toEqual(all);
    expect(await rollout("--distribution", "rke2")).toEqual(all.filter((id) => !twoNode.includes(id)));
    expect(await rollout("--distribution", "pxk-e")).toEqual(all.filter((id) => !twoNode.includes(id)));
    expect(await rollout("--distribution", "k3s", "--mode", "agent")).toEqual(
      all.filter((id) => !twoNode.includes(id)),
    );
    expect(await rollout("--mode", "sysext")).toEqual(all.filter((id) => !twoNode.includes(id)));
    expect(await rollout("--mode", "appliance")).toEqual(all);
    // The text says the same.
    const text = (await rules("--distribution", "rke2")).out;
    expect(text).toContain("Rollout rules");
    expect(text).toMatch(/^drain\.drain-pods /m);
    expect(text).not.toMatch(/^two-node\.write-outage /m);
    expect((await rules("--distribution", "k3s")).out).toMatch(
      /^two-node\.write-outage .*\[k3s, canonical only; delivery appliance only\]$/m,
    );
  });

  it("rejects an unknown distribution", async () => {
    const { code, err } = await rules("--distribution", "microk8s");
    expect(code).toBe(1);
    expect(err).toContain("microk8s");
  });
});
