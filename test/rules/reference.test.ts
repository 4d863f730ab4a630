import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseProfile } from "../../src/profile/parse.js";
import { planUpdate } from "../../src/rules/plan.js";
import { STAGES } from "../../src/rules/table.js";
import type { Plan, PlannedChange, PlanOptions } from "../../src/rules/types.js";
import type { Distribution } from "../../src/shared/types.js";

/*
 * Walks every row of reference/upgrade-behavior.md (and the later storage rule) through planUpdate:
 * a base profile, one modification, the behavior AND the id of the rule that decided.
 */

// biome-ignore lint/suspicious/noExplicitAny: test fixtures are free-form YAML documents
type Doc = any;

const KUBERNETES_PACK: Record<Distribution, string> = {
  "pxk-e": "edge-k8s",
  k3s: "edge-k3s",
  rke2: "edge-rke2",
  canonical: "edge-canonical",
};
const OS = "edge-native-byoi";
const NO_OP_PARAMETERS = [
  "registry",
  "repo",
  "k8sDistribution",
  "osName",
  "peVersion",
  "customTag",
  "osVersion",
];
const macro = (parameter: string) => `{{ .spectro.pack.${OS}.options.system.${parameter} }}`;

/** A uri built from every no-op parameter and the kubernetes version (as real BYOI profiles do). */
const MACRO_URI = `${macro("registry")}/${macro("repo")}:${macro("k8sDistribution")}-{{ .spectro.system.kubernetes.version }}-${macro("osName")}${macro("osVersion")}-${macro("peVersion")}-${macro("customTag")}`;
const LITERAL_URI = "registry.example.com/edge/ubuntu:k3s-1.30.5-v4.5.3-demo";

function baseDoc(distribution: Distribution, uri: "macro" | "literal" = "macro"): Doc {
  return {
    name: "base",
    distribution,
    variables: { site: "store-1" },
    layers: {
      os: {
        pack: OS,
        version: "2.1.0",
        values: {
          pack: { drain: { cordon: true, timeout: "60s" } },
          providerCredentials: { username: "puller", password: "secret" },
          options: {
            "system.uri": uri === "macro" ? MACRO_URI : LITERAL_URI,
            "system.registry": "registry.example.com",
            "system.repo": "edge/ubuntu",
            "system.k8sDistribution": distribution,
            "system.osName": "ubuntu",
            "system.peVersion": "v4.5.3",
            "system.customTag": "demo",
            "system.osVersion": "22",
          },
          stages: {
            boot: [{ name: "tune", commands: ["sysctl -w vm.max_map_count=262144"] }],
            reconcile: [{ name: "logs", files: [{ path: "/etc/logrotate.d/edge", content: "rotate 7" }] }],
          },
        },
      },
      kubernetes: {
        pack: KUBERNETES_PACK[distribution],
        version: "1.30.5",
        values: {
          cluster: {
            config: { "kubelet-arg": ["max-pods=150"], "node-label": ["site={{ .spectro.var.site }}"] },
          },
          stages: { initramfs: [{ sysctl: { "kernel.panic": "10" } }] },
          pack: { palette: { config: { oidc: { identityProvider: "palette" } } }, podCIDR: "192.168.0.0/16" },
          clientConfig: { "oidc-client-id": "kubectl" },
        },
      },
      network: {
        pack: "cni-calico",
        version: "3.28.2",
        values: { manifests: { calico: { env: { CALICO_IPV4POOL_BLOCK_SIZE: "26" } } } },
      },
      storage: {
        pack: "csi-local-path",
        version: "0.0.30",
        values: { storageClass: { reclaimPolicy: "Delete" } },
      },
    },
  };
}

function plan(
  from: Doc,
  modify: (doc: Doc) => void,
  options: PlanOptions = {},
  variables?: { from?: Record<string, string>; to?: Record<string, string> },
): Plan {
  const to: Doc = structuredClone(from);
  to.name = "next";
  modify(to);
  return planUpdate(
    parseProfile(stringify(from), "from.yaml", { variables: variables?.from }),
    parseProfile(stringify(to), "to.yaml", { variables: variables?.to }),
    options,
  );
}

function only(p: Plan): PlannedChange {
  expect(p.changes, JSON.stringify(p.changes, null, 1)).toHaveLength(1);
  return p.changes[0] as PlannedChange;
}

function changeAt(p: Plan, layer: string, path: string): PlannedChange {
  const change = p.changes.find((c) => c.layer === layer && c.path === path);
  expect(
    change,
    `${layer}:${path} in ${JSON.stringify(p.changes.map((c) => `${c.layer}:${c.path}`))}`,
  ).toBeDefined();
  return change as PlannedChange;
}

const REBOOT_DISTRIBUTIONS: Distribution[] = ["k3s", "pxk-e"];
const ALL: Distribution[] = ["pxk-e", "k3s", "rke2"];
const stageCases = (distributions: Distribution[]) =>
  distributions.flatMap((distribution) => STAGES.map((stage) => [distribution, stage] as const));

describe("OS layer: stages (Reboot column; RKE2 known issue repaves)", () => {
  it.each(stageCases(REBOOT_DISTRIBUTIONS))("%s: stages.%s → reboot", (distribution, stage) => {
    const p = plan(baseDoc(distribution), (d) => {
      d.layers.os.values.stages[stage] = [{ name: "new", commands: ["echo changed"] }];
    });
    expect(p.behavior).toBe("reboot");
    for (const change of p.changes) {
      expect(change).toMatchObject({
        layer: "os",
        behavior: "reboot",
        rule: `os.stages.${stage}`,
        unclassified: false,
      });
      expect(change.path.startsWith(`stages.${stage}`)).toBe(true);
    }
  });

  it.each(STAGES)("rke2: stages.%s → repave (known issue)", (stage) => {
    const p = plan(baseDoc("rke2"), (d) => {
      d.layers.os.values.stages[stage] = [{ name: "new", commands: ["echo changed"] }];
    });
    expect(p.behavior).toBe("repave");
    for (const change of p.changes) expect(change).toMatchObject({ behavior: "repave", rule: "rke2.stages" });
  });

  it.each(STAGES)("rke2 without the quirk: stages.%s → reboot", (stage) => {
    const p = plan(
      baseDoc("rke2"),
      (d) => {
        d.layers.os.values.stages[stage] = [{ name: "new", commands: ["echo changed"] }];
      },
      { rke2Quirk: false },
    );
    expect(p.behavior).toBe("reboot");
    for (const change of p.changes) expect(change.rule).toBe(`os.stages.${stage}`);
  });

  it("a change deep inside an existing stage list is matched by the stage", () => {
    const change = only(
      plan(baseDoc("k3s"), (d) => {
        d.layers.os.values.stages.boot[0].commands[0] = "sysctl -w vm.max_map_count=524288";
      }),
    );
    expect(change).toMatchObject({
      path: "stages.boot[0].commands[0]",
      behavior: "reboot",
      rule: "os.stages.boot",
    });
  });
});

describe("stages.reconcile: configuration reload (RKE2 exception included)", () => {
  const reconcile = (d: Doc) => {
    d.layers.os.values.stages.reconcile[0].files[0].content = "rotate 14";
  };
  it.each([
    ["pxk-e", true, "os.stages.reconcile"],
    ["k3s", true, "os.stages.reconcile"],
    ["rke2", true, "rke2.stages.reconcile"],
    ["rke2", false, "os.stages.reconcile"],
  ] as const)("os layer on %s (quirk %s) → config-reload by %s", (distribution, rke2Quirk, rule) => {
    const p = plan(baseDoc(distribution), reconcile, { rke2Quirk });
    expect(p.behavior).toBe("config-reload");
    expect(only(p)).toMatchObject({ behavior: "config-reload", rule });
  });

  it.each([
    ["pxk-e", "kubernetes.stages.reconcile"],
    ["k3s", "kubernetes.stages.reconcile"],
    ["rke2", "rke2.stages.reconcile"],
  ] as const)("kubernetes layer on %s → config-reload by %s", (distribution, rule) => {
    const p = plan(baseDoc(distribution), (d) => {
      d.layers.kubernetes.values.stages.reconcile = [{ commands: ["echo reload"] }];
    });
    expect(p.behavior).toBe("config-reload");
    for (const change of p.changes) expect(change).toMatchObject({ behavior: "config-reload", rule });
  });
});

describe("OS layer: options.system.uri and the no-op parameters", () => {
  it("options.system.uri changed as written → repave", () => {
    const p = plan(baseDoc("k3s", "literal"), (d) => {
      d.layers.os.values.options["system.uri"] = "registry.example.com/edge/ubuntu:k3s-1.30.5-v4.5.3-fips";
    });
    expect(p.behavior).toBe("repave");
    expect(only(p)).toMatchObject({
      path: "options.system.uri",
      behavior: "repave",
      rule: "os.options.system.uri",
    });
  });

  it("a macro uri rewritten → repave by os.options.system.uri", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.os.values.options["system.uri"] = `${MACRO_URI}-fips`;
    });
    expect(changeAt(p, "os", "options.system.uri")).toMatchObject({
      behavior: "repave",
      rule: "os.options.system.uri",
    });
  });

  it.each(NO_OP_PARAMETERS)("options.system.%s not used by the uri → no-op", (parameter) => {
    const p = plan(baseDoc("k3s", "literal"), (d) => {
      d.layers.os.values.options[`system.${parameter}`] = "changed";
    });
    expect(p.behavior).toBe("no-op");
    expect(only(p)).toMatchObject({ behavior: "no-op", rule: `os.options.system.${parameter}` });
  });

  it.each(NO_OP_PARAMETERS)("options.system.%s used by the uri → repave (os.uri-parameter)", (parameter) => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.os.values.options[`system.${parameter}`] = "changed";
    });
    expect(p.behavior).toBe("repave");
    const change = changeAt(p, "os", `options.system.${parameter}`);
    expect(change).toMatchObject({ behavior: "repave", rule: "os.uri-parameter", unclassified: false });
    expect(change.reason).toContain("options.system.uri");
    expect(change.reason).toContain("changed");
    // The uri itself renders differently although it was not rewritten.
    expect(changeAt(p, "os", "options.system.uri")).toMatchObject({
      behavior: "repave",
      rule: "os.uri-parameter",
    });
  });

  it("the reference's own example: a registry change repaves through the uri", () => {
    const doc = baseDoc("k3s");
    doc.layers.os.values.options["system.uri"] =
      `${macro("registry")}/${macro("repo")}:${macro("k8sDistribution")}`;
    const p = plan(doc, (d) => {
      d.layers.os.values.options["system.registry"] = "harbor.example.com";
    });
    expect(p.behavior).toBe("repave");
    const change = changeAt(p, "os", "options.system.registry");
    expect(change.rule).toBe("os.uri-parameter");
    expect(change.reason).toContain(
      "registry.example.com/edge/ubuntu:k3s → harbor.example.com/edge/ubuntu:k3s",
    );
  });

  it.each([
    [
      "pack.*",
      (d: Doc) => {
        d.layers.os.values.pack.drain.timeout = "300s";
      },
      "os.pack",
    ],
    [
      "providerCredentials.*",
      (d: Doc) => {
        d.layers.os.values.providerCredentials.password = "x";
      },
      "os.providerCredentials",
    ],
  ] as const)("%s → no-op", (_, modify, rule) => {
    const p = plan(baseDoc("k3s"), modify);
    expect(p.behavior).toBe("no-op");
    expect(only(p)).toMatchObject({ behavior: "no-op", rule });
  });
});

describe("macros in the uri", () => {
  it("a kubernetes version bump repaves when the uri names the kubernetes version", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.kubernetes.version = "1.31.1";
    });
    expect(p.behavior).toBe("repave");
    expect(changeAt(p, "kubernetes", "@version")).toMatchObject({
      behavior: "repave",
      rule: "os.uri-parameter",
    });
    expect(changeAt(p, "os", "options.system.uri").reason).toContain("the kubernetes version");
  });

  it("a kubernetes version bump with a literal uri → reboot by kubernetes.version, its assumption stated", () => {
    const p = plan(baseDoc("k3s", "literal"), (d) => {
      d.layers.kubernetes.version = "1.31.1";
    });
    expect(p.behavior).toBe("reboot");
    const change = only(p);
    expect(change).toMatchObject({ path: "@version", rule: "kubernetes.version", unclassified: false });
    expect(change.assumption).toContain("edgesim assumes");
    expect(change.assumption).toContain("options.system.uri");
    expect(p.warnings.some((w) => w.includes("edgesim's choice") && w.includes("kubernetes.version"))).toBe(
      true,
    );
  });

  it("a value of another layer that the uri names repaves (even a pack.* value)", () => {
    const doc = baseDoc("k3s");
    doc.layers.os.values.options["system.uri"] = `${LITERAL_URI}-{{ .spectro.pack.edge-k3s.pack.podCIDR }}`;
    const p = plan(doc, (d) => {
      d.layers.kubernetes.values.pack.podCIDR = "10.42.0.0/16";
    });
    expect(changeAt(p, "kubernetes", "pack.podCIDR")).toMatchObject({
      behavior: "repave",
      rule: "os.uri-parameter",
    });
  });

  it("a parameter reached transitively (uri → customTag → variable) repaves", () => {
    const doc = baseDoc("k3s");
    doc.variables.tag = "demo";
    doc.layers.os.values.options["system.customTag"] = "{{ .spectro.var.tag }}";
    const p = plan(doc, () => {}, {}, { to: { tag: "fips" } });
    expect(p.behavior).toBe("repave");
    const uri = changeAt(p, "os", "options.system.uri");
    expect(uri.rule).toBe("os.uri-parameter");
    expect(uri.reason).toContain("variable tag");
    expect(changeAt(p, "os", "options.system.customTag").rule).toBe("os.uri-parameter");
  });

  it("a macro naming a value the uri does not use keeps its own rule", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.variables.site = "store-2";
    });
    // node-label uses the variable; the uri does not.
    expect(p.behavior).toBe("service-restart");
    expect(only(p)).toMatchObject({ layer: "kubernetes", rule: "kubernetes.cluster" });
  });
});

describe("Kubernetes layer (PXK-E, K3s, RKE2 tabs)", () => {
  it.each(stageCases(REBOOT_DISTRIBUTIONS))("%s: stages.%s → reboot", (distribution, stage) => {
    const p = plan(baseDoc(distribution), (d) => {
      d.layers.kubernetes.values.stages[stage] = [{ commands: ["echo changed"] }];
    });
    expect(p.behavior).toBe("reboot");
    for (const change of p.changes) {
      expect(change).toMatchObject({ layer: "kubernetes", rule: `kubernetes.stages.${stage}` });
    }
  });

  it.each(STAGES)("rke2: stages.%s → repave (known issue), reboot without the quirk", (stage) => {
    const modify = (d: Doc) => {
      d.layers.kubernetes.values.stages[stage] = [{ commands: ["echo changed"] }];
    };
    const withQuirk = plan(baseDoc("rke2"), modify);
    expect(withQuirk.behavior).toBe("repave");
    for (const change of withQuirk.changes) expect(change.rule).toBe("rke2.stages");
    const withoutQuirk = plan(baseDoc("rke2"), modify, { rke2Quirk: false });
    expect(withoutQuirk.behavior).toBe("reboot");
    for (const change of withoutQuirk.changes) expect(change.rule).toBe(`kubernetes.stages.${stage}`);
  });

  it.each(ALL)("%s: cluster.* → service-restart of kubernetes", (distribution) => {
    const p = plan(baseDoc(distribution), (d) => {
      d.layers.kubernetes.values.cluster.config["kubelet-arg"] = ["max-pods=200"];
    });
    expect(p.behavior).toBe("service-restart");
    expect(p.services).toEqual(["kubernetes"]);
    expect(only(p)).toMatchObject({
      behavior: "service-restart",
      rule: "kubernetes.cluster",
      services: ["kubernetes"],
    });
  });

  it.each(ALL)("%s: clientConfig.* → no-op", (distribution) => {
    const p = plan(baseDoc(distribution), (d) => {
      d.layers.kubernetes.values.clientConfig["oidc-client-id"] = "kubectl-2";
    });
    expect(p.behavior).toBe("no-op");
    expect(only(p)).toMatchObject({ behavior: "no-op", rule: "kubernetes.clientConfig" });
  });

  it.each(ALL)("%s: pack.* → no-op", (distribution) => {
    const p = plan(baseDoc(distribution), (d) => {
      d.layers.kubernetes.values.pack.palette.config.oidc.identityProvider = "none";
    });
    expect(p.behavior).toBe("no-op");
    expect(only(p)).toMatchObject({ behavior: "no-op", rule: "kubernetes.pack" });
  });
});

describe("Network layer", () => {
  it("CNI values → service-restart of networking", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.network.values.manifests.calico.env.CALICO_IPV4POOL_BLOCK_SIZE = "24";
    });
    expect(p.behavior).toBe("service-restart");
    expect(p.services).toEqual(["networking"]);
    expect(only(p)).toMatchObject({ layer: "network", rule: "network.values", services: ["networking"] });
  });

  it("CNI version → service-restart of networking", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.network.version = "3.29.0";
    });
    expect(only(p)).toMatchObject({ path: "@version", behavior: "service-restart", rule: "network.version" });
  });

  it("a different CNI pack → unsupported, and the plan is still made", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.network = { pack: "cni-cilium-oss", version: "1.16.3", values: { charts: { cilium: {} } } };
      d.layers.kubernetes.values.cluster.config["kubelet-arg"] = ["max-pods=200"];
    });
    expect(p.unsupported).toEqual([
      expect.objectContaining({ layer: "network", rule: "network.pack-switch" }),
    ]);
    expect(p.unsupported[0]?.reason).toContain("cni-calico → cni-cilium-oss");
    expect(p.behavior).toBe("service-restart");
  });
});

describe("Storage layer", () => {
  it("storage values → service-restart of storage", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.storage.values.storageClass.reclaimPolicy = "Retain";
    });
    expect(p.services).toEqual(["storage"]);
    expect(only(p)).toMatchObject({ layer: "storage", behavior: "service-restart", rule: "storage.values" });
  });

  it("storage version → service-restart of storage", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.storage.version = "0.0.31";
    });
    expect(only(p)).toMatchObject({ behavior: "service-restart", rule: "storage.version" });
  });

  it("a different storage pack → unsupported (later Palette releases)", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.storage = { pack: "csi-longhorn", version: "1.7.2", values: {} };
    });
    expect(p.unsupported).toEqual([
      expect.objectContaining({ layer: "storage", rule: "storage.pack-switch" }),
    ]);
    expect(p.changes).toEqual([]);
  });
});

describe("paths no rule covers → reboot, flagged", () => {
  it.each([
    [
      "os",
      (d: Doc) => {
        d.layers.os.values.options.bootMode = "uefi";
      },
      "options.bootMode",
    ],
    [
      "kubernetes",
      (d: Doc) => {
        d.layers.kubernetes.values.extra = { x: 1 };
      },
      "extra.x",
    ],
  ] as const)("%s: %s", (layer, modify, path) => {
    const p = plan(baseDoc("k3s"), modify);
    expect(p.behavior).toBe("reboot");
    expect(only(p)).toMatchObject({
      layer,
      path,
      behavior: "reboot",
      rule: "unclassified",
      unclassified: true,
    });
    expect(p.changes[0]?.reason).toContain("reference");
    expect(p.warnings.some((w) => w.includes(`${layer}:${path}`))).toBe(true);
  });

  it("an OS pack version bump without a new uri → reboot by os.version, flagged", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.os.version = "2.1.1";
    });
    expect(only(p)).toMatchObject({
      path: "@version",
      behavior: "reboot",
      rule: "os.version",
      unclassified: true,
    });
  });
});

describe("stages with a dot in their name (X.before, X.after) follow stage X", () => {
  const DOTTED = STAGES.flatMap((stage) => [`${stage}.before`, `${stage}.after`]);
  const dotted = (distribution: Distribution) =>
    DOTTED.map((name) => [distribution, name, name.replace(/\.(before|after)$/, "")] as const);
  const addStage = (layer: "os" | "kubernetes", name: string) => (d: Doc) => {
    d.layers[layer].values.stages[name] = [{ name: "extra", commands: ["echo dotted"] }];
  };

  it("a stage added or removed whole is one change", () => {
    const added = plan(baseDoc("k3s"), (d) => {
      d.layers.os.values.stages["boot.after"] = [
        { name: "a", commands: ["echo 1", "echo 2"] },
        { name: "b", files: [{ path: "/etc/x", content: "y" }] },
      ];
    });
    expect(only(added)).toMatchObject({ path: "stages.boot.after", rule: "os.stages.boot" });
    const removed = plan(baseDoc("k3s"), (d) => {
      delete d.layers.os.values.stages.boot;
    });
    expect(only(removed)).toMatchObject({ path: "stages.boot", rule: "os.stages.boot" });
    expect(only(removed).from).toEqual([{ name: "tune", commands: ["sysctl -w vm.max_map_count=262144"] }]);
  });

  it("a dotted stage next to the plain stage loads: a stage name, not a path", () => {
    const doc = baseDoc("k3s");
    doc.layers.os.values.stages["boot.after"] = [{ commands: ["echo after"] }];
    const profile = parseProfile(stringify(doc), "p.yaml");
    const stages = profile.layers[0]?.values.stages as Record<string, unknown>;
    expect(Object.keys(stages)).toEqual(["boot", "boot.after", "reconcile"]);
    // Written as one dotted key from the top, it names the same stage.
    const top = structuredClone(doc);
    delete top.layers.os.values.stages["boot.after"];
    top.layers.os.values["stages.boot.after"] = [{ commands: ["echo after"] }];
    expect(parseProfile(stringify(top), "q.yaml").layers[0]?.values).toEqual(profile.layers[0]?.values);
  });

  for (const layer of ["os", "kubernetes"] as const) {
    it.each([...dotted("pxk-e"), ...dotted("k3s")])(
      `${layer} on %s: stages.%s → reboot by ${layer}.stages.%s`,
      (distribution, name, stage) => {
        const p = plan(baseDoc(distribution), addStage(layer, name));
        expect(p.behavior).toBe("reboot");
        for (const change of p.changes) {
          expect(change).toMatchObject({ layer, rule: `${layer}.stages.${stage}`, unclassified: false });
          expect(change.path.startsWith(`stages.${name}`)).toBe(true);
          expect(change.reason).toContain(`stage ${name} follows the rule of stage ${stage}`);
        }
      },
    );

    it.each(dotted("rke2"))(
      `${layer} on %s: stages.%s → repave (known issue), reboot without the quirk`,
      (distribution, name, stage) => {
        const withQuirk = plan(baseDoc(distribution), addStage(layer, name));
        expect(withQuirk.behavior).toBe("repave");
        for (const change of withQuirk.changes) expect(change.rule).toBe("rke2.stages");
        const withoutQuirk = plan(baseDoc(distribution), addStage(layer, name), { rke2Quirk: false });
        expect(withoutQuirk.behavior).toBe("reboot");
        for (const change of withoutQuirk.changes) expect(change.rule).toBe(`${layer}.stages.${stage}`);
      },
    );
  }

  it.each([
    ["pxk-e", true, "os", "config-reload", "os.stages.reconcile"],
    ["k3s", true, "kubernetes", "config-reload", "kubernetes.stages.reconcile"],
    ["rke2", true, "os", "config-reload", "rke2.stages.reconcile"],
    ["rke2", false, "kubernetes", "config-reload", "kubernetes.stages.reconcile"],
  ] as const)(
    "%s (quirk %s) %s: stages.reconcile.after → %s by %s",
    (distribution, rke2Quirk, layer, behavior, rule) => {
      const p = plan(baseDoc(distribution), addStage(layer, "reconcile.after"), { rke2Quirk });
      expect(p.behavior).toBe(behavior);
      for (const change of p.changes) expect(change.rule).toBe(rule);
    },
  );
});

describe("add-on layers: no-op for the nodes, the add-on re-applied (edgesim's choice)", () => {
  const withAddon = () => {
    const doc = baseDoc("k3s");
    doc.layers.addons = [
      {
        pack: "nginx-ingress",
        version: "4.11.0",
        values: { controller: { replicaCount: 1 } },
        manifests: [
          { name: "default-backend", content: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n" },
        ],
      },
    ];
    return doc;
  };

  it.each([
    [
      "values",
      (d: Doc) => {
        d.layers.addons[0].values.controller.replicaCount = 2;
      },
      "addon.values",
    ],
    [
      "version",
      (d: Doc) => {
        d.layers.addons[0].version = "4.12.0";
      },
      "addon.version",
    ],
    [
      "manifest",
      (d: Doc) => {
        d.layers.addons[0].manifests[0].content =
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
      },
      "addon.manifest",
    ],
    [
      "added",
      (d: Doc) => {
        d.layers.addons.push({ pack: "metallb", version: "0.14.8", values: {} });
      },
      "addon.presence",
    ],
    [
      "removed",
      (d: Doc) => {
        d.layers.addons = [];
      },
      "addon.presence",
    ],
  ] as const)("%s → no-op by %s, its assumption stated, not unclassified", (_, modify, rule) => {
    const p = plan(withAddon(), modify);
    expect(p.behavior).toBe("no-op");
    for (const change of p.changes) {
      expect(change).toMatchObject({ behavior: "no-op", rule, unclassified: false });
      expect(change.reason).toContain("re)applies the add-on");
      expect(change.assumption).toContain("edgesim assumes");
    }
    expect(p.changes.length).toBeGreaterThan(0);
  });

  it("core layers keep the unclassified reboot fallback", () => {
    const p = plan(withAddon(), (d) => {
      d.layers.network.values.extra = true;
      d.layers.os.values.options.bootMode = "uefi";
    });
    expect(changeAt(p, "os", "options.bootMode")).toMatchObject({
      behavior: "reboot",
      rule: "unclassified",
      unclassified: true,
    });
    expect(changeAt(p, "network", "extra").rule).toBe("network.values");
  });
});

describe("pack manifests (manifests[].content)", () => {
  const manifest = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  const withManifests = () => {
    const doc = baseDoc("k3s");
    for (const layer of ["os", "kubernetes", "network", "storage"]) {
      doc.layers[layer].manifests = [{ name: `${layer}-extra`, content: manifest("a") }];
    }
    return doc;
  };
  it.each([
    ["os", "no-op", "os.manifest"],
    ["kubernetes", "no-op", "kubernetes.manifest"],
    ["network", "service-restart", "network.manifest"],
    ["storage", "service-restart", "storage.manifest"],
  ] as const)("a changed %s manifest → %s by %s", (layer, behavior, rule) => {
    const p = plan(withManifests(), (d) => {
      d.layers[layer].manifests[0].content = manifest("b");
    });
    expect(p.behavior).toBe(behavior);
    expect(only(p)).toMatchObject({ layer, path: `@manifest:${layer}-extra`, behavior, rule });
  });

  it("the same manifest (trailing newlines aside) is no change", () => {
    const p = plan(withManifests(), (d) => {
      d.layers.os.manifests[0].content = `${manifest("a")}\n\n`;
    });
    expect(p.changes).toEqual([]);
  });
});

describe("the plan as a whole", () => {
  it("behavior is the most disruptive; services are in SERVICES order", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.storage.values.storageClass.reclaimPolicy = "Retain";
      d.layers.network.version = "3.29.0";
      d.layers.kubernetes.values.cluster.config["kubelet-arg"] = ["max-pods=200"];
      d.layers.os.values.stages.reconcile[0].files[0].content = "rotate 14";
    });
    expect(p.behavior).toBe("service-restart");
    expect(p.services).toEqual(["kubernetes", "networking", "storage"]);
  });

  it("no change at all → no-op with no changes", () => {
    const p = plan(baseDoc("rke2"), () => {});
    expect(p).toMatchObject({ behavior: "no-op", changes: [], unsupported: [], services: [] });
  });

  it("values written as YAML text equal the same mapping", () => {
    const doc = baseDoc("k3s");
    const p = plan(doc, (d) => {
      d.layers.network.values = stringify(d.layers.network.values);
    });
    expect(p.changes).toEqual([]);
  });

  it("a distribution change repaves, uses TO's rules, and says so", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.distribution = "rke2";
      d.layers.kubernetes.pack = "edge-rke2";
      d.layers.os.values.stages.boot[0].commands = ["echo rke2"];
    });
    expect(p.distribution).toBe("rke2");
    expect(p.behavior).toBe("repave");
    expect(changeAt(p, "kubernetes", "@distribution")).toMatchObject({
      rule: "distribution.change",
      unclassified: true,
    });
    expect(changeAt(p, "os", "stages.boot[0].commands[0]").rule).toBe("rke2.stages");
    expect(p.warnings.some((w) => w.includes("distribution differs"))).toBe(true);
  });

  it("warnings of both profiles are kept, once each", () => {
    const doc = baseDoc("k3s");
    doc.layers.os.values.options["system.osName"] = "{{ .spectro.system.cluster.name }}";
    const p = plan(doc, () => {});
    expect(p.warnings.length).toBeGreaterThanOrEqual(1);
    expect(new Set(p.warnings).size).toBe(p.warnings.length);
  });
});

/*
 * Delivery modes (spectrocloud/librarium docs/docs-content/clusters/edge/edgeforge-workflow/palette-canvos/
 * build-provider-images/systemd-extensions.md, section "Upgrade a Cluster That Uses systemd Extensions"):
 * under systemd-extension delivery a Kubernetes upgrade, an OS image change, or both in one revision
 * repave every node once. uri "NA" is written by sysext and agent mode alike.
 */
describe("delivery modes", () => {
  const naDoc = (distribution: Distribution) => {
    const doc = baseDoc(distribution);
    doc.layers.os.values.options["system.uri"] = "NA";
    return doc;
  };
  const bump = (d: Doc) => {
    d.layers.kubernetes.version = "1.31.1";
  };

  it.each(ALL)(
    "%s: sysext: a kubernetes version bump repaves (sysext.kubernetes.version)",
    (distribution) => {
      const p = plan(naDoc(distribution), bump, { mode: "sysext" });
      expect(p.mode).toBe("sysext");
      expect(p.behavior).toBe("repave");
      expect(only(p)).toMatchObject({ rule: "sysext.kubernetes.version", unclassified: false });
      expect(p.warnings).toEqual([]);
    },
  );

  it.each(ALL)(
    '%s: uri "NA" and no mode: the more disruptive reading (sysext) and a warning',
    (distribution) => {
      const p = plan(naDoc(distribution), bump);
      expect(p.mode).toBe("sysext");
      expect(p.behavior).toBe("repave");
      expect(only(p).rule).toBe("sysext.kubernetes.version");
      expect(p.warnings.some((w) => w.includes('"NA"') && w.includes("--mode agent"))).toBe(true);
    },
  );

  it.each(ALL)("%s: agent mode: a kubernetes version bump reboots, its assumption stated", (distribution) => {
    const p = plan(naDoc(distribution), bump, { mode: "agent" });
    expect(p.behavior).toBe("reboot");
    const change = only(p);
    expect(change).toMatchObject({ rule: "kubernetes.version.agent-mode", unclassified: false });
    expect(change.assumption).toContain("silent");
    expect(p.warnings.some((w) => w.includes("--mode agent"))).toBe(false);
  });

  it("sysext with a literal uri (a minimal provider image): a kubernetes bump still repaves", () => {
    const p = plan(baseDoc("k3s", "literal"), bump, { mode: "sysext" });
    expect(p.behavior).toBe("repave");
    expect(only(p).rule).toBe("sysext.kubernetes.version");
  });

  it("sysext: a new provider image repaves (sysext.options.system.uri); with a kubernetes bump in the same revision, still one repave", () => {
    const newImage = (d: Doc) => {
      d.layers.os.values.options["system.uri"] = `${LITERAL_URI}-patched`;
    };
    const osOnly = plan(baseDoc("k3s", "literal"), newImage, { mode: "sysext" });
    expect(osOnly.behavior).toBe("repave");
    expect(only(osOnly).rule).toBe("sysext.options.system.uri");
    const both = plan(
      baseDoc("k3s", "literal"),
      (d) => {
        newImage(d);
        bump(d);
      },
      { mode: "sysext" },
    );
    expect(both.behavior).toBe("repave");
    expect(both.changes.map((c) => c.rule).sort()).toEqual([
      "sysext.kubernetes.version",
      "sysext.options.system.uri",
    ]);
  });

  it("appliance with a literal uri: unchanged (kubernetes.version reboots), no delivery warning", () => {
    const p = plan(baseDoc("k3s", "literal"), bump, { mode: "appliance" });
    expect(p.mode).toBe("appliance");
    expect(only(p).rule).toBe("kubernetes.version");
  });

  it('appliance with uri "NA" is read as sysext (the page\'s "New Clusters"), with a warning', () => {
    const p = plan(naDoc("k3s"), bump, { mode: "appliance" });
    expect(p.mode).toBe("sysext");
    expect(p.behavior).toBe("repave");
    expect(p.warnings.some((w) => w.includes("New Clusters"))).toBe(true);
  });

  it("moving an existing cluster to systemd extensions (uri → NA and a kubernetes bump) repaves", () => {
    const p = plan(
      baseDoc("k3s", "literal"),
      (d) => {
        d.layers.os.values.options["system.uri"] = "NA";
        bump(d);
      },
      { mode: "sysext" },
    );
    expect(p.behavior).toBe("repave");
  });
});

/*
 * Canonical (Palette Optimized Canonical Kubernetes): the OS Layer table names no distribution, so its
 * rows apply as written; the Kubernetes Layer tables have tabs for PXK-E, K3s and RKE2 only, so
 * Canonical's kubernetes rows are the same rows with a stated assumption.
 */
describe("Canonical", () => {
  it("an OS stage change reboots by the documented row, no assumption", () => {
    const p = plan(baseDoc("canonical"), (d) => {
      d.layers.os.values.stages.boot = [{ name: "new", commands: ["echo changed"] }];
    });
    expect(p.distribution).toBe("canonical");
    expect(p.changes.every((c) => c.rule === "os.stages.boot" && c.assumption === undefined)).toBe(true);
    expect(p.behavior).toBe("reboot");
  });

  it("cluster.* restarts Kubernetes by the kubernetes row, with Canonical's assumption stated", () => {
    const p = plan(baseDoc("canonical"), (d) => {
      d.layers.kubernetes.values.cluster = { config: "changed: true" };
    });
    expect(p.behavior).toBe("service-restart");
    for (const change of p.changes) {
      expect(change.rule).toBe("kubernetes.cluster");
      expect(change.unclassified).toBe(false);
      expect(change.assumption).toContain("Canonical follows the same row");
    }
    expect(p.warnings.some((w) => w.includes("edgesim's choice") && w.includes("kubernetes.cluster"))).toBe(
      true,
    );
  });

  it("the same change on K3s states no assumption (its tab is on the page)", () => {
    const p = plan(baseDoc("k3s"), (d) => {
      d.layers.kubernetes.values.cluster = { config: "changed: true" };
    });
    expect(p.changes.every((c) => c.assumption === undefined)).toBe(true);
  });

  it.each([
    ["edge-canonical", "canonical", false],
    ["kubernetes-ck8s", "canonical", false],
    ["kubernetes", "pxk-e", true],
  ] as const)("kubernetes pack %s is inferred as %s", (pack, distribution, warned) => {
    const doc = baseDoc("k3s");
    delete doc.distribution;
    doc.layers.kubernetes.pack = pack;
    const profile = parseProfile(stringify(doc), "inferred.yaml");
    expect(profile.distribution).toBe(distribution);
    expect(profile.warnings.some((w) => w.includes('"kubernetes"') && w.includes("assumption"))).toBe(warned);
  });

  it("a distribution set in the file wins over the kubeadm pack, and no assumption is stated", () => {
    const doc = baseDoc("canonical");
    doc.layers.kubernetes.pack = "kubernetes";
    const profile = parseProfile(stringify(doc), "set.yaml");
    expect(profile.distribution).toBe("canonical");
    expect(profile.warnings).toEqual([]);
  });
});
