import { describe, expect, it } from "vitest";
import { matchPath, matchSpecial, pathSegments, ruleSet } from "../../src/rules/match.js";
import { PAGES } from "../../src/rules/reference.js";
import { REFERENCE_PAGE, RULES, type Rule, STAGES } from "../../src/rules/table.js";

const rules = RULES as readonly Rule[];

describe("the rule table", () => {
  it("has unique ids, each citing a section of Palette's public upgrade-behavior page", () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The anchors the documentation site gives the page's headings (lower case, spaces as dashes).
    const headings = [
      "Known Issues",
      "Upgrade Behaviors",
      "Upgrade Behavior by Change Location",
      "OS Layer",
      "Kubernetes Layer",
      "Network Layer",
      "Storage Layer",
      "Decoupled Control Plane and Worker Node Upgrades",
    ];
    const anchors = new Map(headings.map((h) => [h.toLowerCase().replace(/ /g, "-"), h]));
    for (const rule of rules) {
      // Rules from other pages are checked below.
      if (!rule.url.startsWith(`${REFERENCE_PAGE}#`)) continue;
      const heading = anchors.get(rule.url.slice(REFERENCE_PAGE.length + 1));
      expect(heading, `${rule.id}: ${rule.url}`).toBeDefined();
      expect(rule.reference.startsWith(`Edge Cluster Upgrade Behavior § ${heading}`), rule.id).toBe(true);
      expect(rule.reference).not.toMatch(/\.md\b/);
    }
  });

  it("every rule cites a page edgesim lists (PAGES) and a section anchor on it, its reference naming the page's title", () => {
    const pages = Object.values(PAGES);
    for (const rule of rules) {
      const page = pages.find((p) => rule.url.startsWith(`${p.url}#`));
      expect(page, `${rule.id}: ${rule.url}`).toBeDefined();
      expect(rule.reference.startsWith(`${page?.title} § `), rule.id).toBe(true);
      expect(rule.url.slice((page?.url.length ?? 0) + 1)).toMatch(/^[a-z0-9-]+$/);
    }
    expect(rules.filter((r) => r.url.startsWith(PAGES.systemdExtensions.url)).map((r) => r.id)).toEqual([
      "sysext.options.system.uri",
      "sysext.kubernetes.version",
      "two-node.sysext",
    ]);
  });

  it("lists all 14 stages in both the OS and the kubernetes layer", () => {
    expect(STAGES).toHaveLength(14);
    for (const stage of STAGES) {
      expect(rules.find((r) => r.id === `os.stages.${stage}`)).toMatchObject({
        behavior: "reboot",
        layers: ["os"],
      });
      expect(rules.find((r) => r.id === `kubernetes.stages.${stage}`)).toMatchObject({ behavior: "reboot" });
    }
  });

  it("names the services of every service restart", () => {
    for (const rule of rules.filter((r) => r.behavior === "service-restart")) {
      expect(rule.services?.length, rule.id).toBeGreaterThan(0);
    }
  });
});

describe("matching: the most specific rule wins", () => {
  it.each([
    ["k3s", true, "os", "stages.boot[0].commands[1]", "os.stages.boot"],
    ["k3s", true, "os", "stages.boot", "os.stages.boot"],
    ["k3s", true, "os", "stages.reconcile[0].files[0].content", "os.stages.reconcile"],
    ["rke2", true, "os", "stages.boot[0].commands[1]", "rke2.stages"],
    ["rke2", true, "os", "stages.custom-stage[0]", "rke2.stages"],
    ["rke2", true, "os", "stages.reconcile[0]", "rke2.stages.reconcile"],
    ["rke2", false, "os", "stages.boot[0]", "os.stages.boot"],
    ["k3s", true, "os", "options.system.uri", "os.options.system.uri"],
    ["k3s", true, "os", "pack.drain.timeout", "os.pack"],
    ["pxk-e", true, "kubernetes", "cluster.config", "kubernetes.cluster"],
    ["pxk-e", true, "kubernetes", "clientConfig.oidc-client-id", "kubernetes.clientConfig"],
    ["k3s", true, "network", "manifests.calico.env.X", "network.values"],
    ["k3s", true, "storage", "storageClass.name", "storage.values"],
    ["k3s", true, "addon:nginx", "replicas", "addon.values"],
    ["k3s", true, "os", "stages.boot.after[0].commands[0]", "os.stages.boot"],
    ["rke2", true, "kubernetes", "stages.initramfs.before[0]", "rke2.stages"],
    ["rke2", true, "os", "stages.reconcile.after[0]", "rke2.stages.reconcile"],
  ] as const)("%s (quirk %s) %s %s → %s", (distribution, quirk, layer, path, id) => {
    expect(matchPath(ruleSet(distribution, quirk), layer, path)?.id).toBe(id);
  });

  it.each([
    ["k3s", "os", "stages.custom-stage[0]"],
    ["k3s", "os", "options.system.other"],
    ["k3s", "os", "options"],
    ["k3s", "kubernetes", "stagesX.boot"],
  ] as const)("%s %s %s → no rule", (distribution, layer, path) => {
    expect(matchPath(ruleSet(distribution, true), layer, path)).toBeUndefined();
  });

  it("special changes: versions and pack switches", () => {
    const set = ruleSet("k3s", true);
    expect(matchSpecial(set, "network", "@pack")?.behavior).toBe("unsupported");
    expect(matchSpecial(set, "storage", "@pack")?.behavior).toBe("unsupported");
    expect(matchSpecial(set, "network", "@version")?.id).toBe("network.version");
    expect(matchSpecial(set, "addon:x", "@version")?.id).toBe("addon.version");
    expect(matchSpecial(set, "addon:x", "@manifest")?.id).toBe("addon.manifest");
    expect(matchSpecial(set, "network", "@manifest")?.id).toBe("network.manifest");
    expect(matchSpecial(set, "os", "@layer")).toBeUndefined();
  });

  it("ignores list indexes when splitting paths", () => {
    expect(pathSegments("stages.boot[0].commands[12]")).toEqual(["stages", "boot", "commands"]);
  });
});
