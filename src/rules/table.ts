import type { Behavior, CoreLayerName, DeliveryMode, Distribution, Service } from "../shared/types.js";
import { DISTRIBUTIONS } from "../shared/types.js";
import { type DocPage, PAGES, REFERENCE_PAGE } from "./reference.js";

/**
 * One row of the upgrade-behavior reference, as data.
 *
 * `path` is matched against a changed value's dotted path (list indexes are ignored for matching):
 * - `a.b.*` and `a.b` both match `a.b` and everything below it (a parameter's sub-values belong to it);
 * - `*` matches every value of the layer;
 * - `@version` matches the layer's pack version, `@pack` a switch to a different pack,
 *   `@uri-parameter` is applied by the planner (not by path) to changes the rendered uri depends on,
 *   `@manifest` matches a changed pack manifest (`manifests[].content`), `@layer` a layer added or removed,
 *   `@version:agent-mode` a kubernetes version change when the OS layer has no provider image (uri "NA").
 * When several rules match, the higher `priority` wins (known issues override the documented rows),
 * then the longer (more specific) path.
 */
/** The layers a rule can name: the core layers, and `addon` for every add-on layer. */
export type RuleLayer = CoreLayerName | "addon";

export interface Rule {
  /** Stable id, printed in plans: `os.stages.boot`, `kubernetes.cluster`, `rke2.stages`… */
  id: string;
  layers: readonly RuleLayer[];
  distributions: readonly Distribution[];
  path: string;
  behavior: Behavior | "unsupported";
  /** Services restarted by a `service-restart`. */
  services?: readonly Service[];
  /** Why; `{path}` and `{layer}` are replaced with the change's path and layer. */
  reason: string;
  /** Where the rule comes from: the Palette documentation page and section, in words. */
  reference: string;
  /** That section on the public page (`REFERENCE_PAGE#anchor`). */
  url: string;
  /** Known-issue rules override the documented rows; only the RKE2 quirk uses it. */
  priority?: number;
  /** Applies only while the RKE2 known issue is on (`rke2Quirk`, default true). */
  quirk?: "rke2";
  /** Applies only to clusters of these delivery modes (absent: every mode). */
  modes?: readonly DeliveryMode[];
  /**
   * False for decisions edgesim makes where the reference is silent: the change is still flagged as
   * unclassified in the output so the user knows no documented row decided it.
   */
  covered: boolean;
  /**
   * For a rule where the reference is silent (`covered: false`): what edgesim assumes, said to the user.
   * A rule with a stated assumption is edgesim's explicit choice, not an unclassified guess.
   */
  assumption?: string;
  /**
   * What edgesim assumes when the rule is applied to one of these distributions although its page does
   * not name it (Canonical on the kubernetes tables, which have PXK-E, K3s and RKE2 tabs only).
   */
  assumptionFor?: Partial<Record<Distribution, string>>;
}

/** The rule as it applies to a distribution: its distribution-specific assumption, if any, made its own. */
export function ruleFor(rule: Rule, distribution: Distribution | undefined): Rule {
  const assumption = distribution === undefined ? undefined : rule.assumptionFor?.[distribution];
  return assumption === undefined ? rule : { ...rule, assumption };
}

/**
 * The Kubernetes Layer section has tabs for PXK-E, K3s and RKE2, which agree row for row; Canonical
 * (a distribution of the same Edge Native clusters, named by later pages) has none.
 */
const CANONICAL_KUBERNETES_ROWS = {
  canonical:
    "the Kubernetes Layer tables have tabs for PXK-E, K3s and RKE2 only (all three agree); edgesim assumes Canonical follows the same row",
} as const;

/** The 14 Kairos stages the reference lists for the OS and kubernetes layers. */
export const STAGES = [
  "rootfs",
  "initramfs",
  "boot",
  "fs",
  "network",
  "after-install",
  "after-install-chroot",
  "after-upgrade",
  "after-upgrade-chroot",
  "after-reset",
  "after-reset-chroot",
  "before-install",
  "before-upgrade",
  "before-reset",
] as const;

const ALL = DISTRIBUTIONS;

/** The rules of the rollout, beside the table's: `edgesim rules` lists both, filtered alike. */
export { rolloutRulesFor } from "./rollout-rules.js";
export { REFERENCE_PAGE };

/** A section of that page: its heading, and the anchor the documentation site gives it. */
interface Section {
  heading: string;
  anchor: string;
}
const OS_REF: Section = { heading: "OS Layer", anchor: "os-layer" };
const K8S_REF: Section = { heading: "Kubernetes Layer", anchor: "kubernetes-layer" };
const KNOWN_ISSUES: Section = { heading: "Known Issues", anchor: "known-issues" };
const BEHAVIORS_REF: Section = { heading: "Upgrade Behaviors", anchor: "upgrade-behaviors" };
const NETWORK_REF: Section = { heading: "Network Layer", anchor: "network-layer" };
const STORAGE_REF: Section = { heading: "Storage Layer", anchor: "storage-layer" };
const DECOUPLED_REF: Section = {
  heading: "Decoupled Control Plane and Worker Node Upgrades",
  anchor: "decoupled-control-plane-and-worker-node-upgrades",
};
const CHANGE_LOCATION: Section = {
  heading: "Upgrade Behavior by Change Location",
  anchor: "upgrade-behavior-by-change-location",
};

/** `reference` and `url` of a rule: the page's section, and what in it (a column, a warning). */
function cite(
  section: Section,
  what?: string,
  page: DocPage = PAGES.upgradeBehavior,
): { reference: string; url: string } {
  return {
    reference: `${page.title} § ${section.heading}${what ? ` (${what})` : ""}`,
    url: `${page.url}#${section.anchor}`,
  };
}

/** The node-pool page's section on deferring worker pools' Kubernetes upgrades. */
const SKIP_WORKER: Section = { heading: "Skip Worker Node Update", anchor: "skip-worker-node-update" };

/** Sections of the systemd-extensions page (CanvOS 4.10: Kubernetes and the agent as systemd extensions). */
const SYSEXT_UPGRADE: Section = {
  heading: "Upgrade a Cluster That Uses systemd Extensions",
  anchor: "upgrade-a-cluster-that-uses-systemd-extensions",
};
const SYSEXT_BOTH: Section = {
  heading: "Patch the Operating System and Upgrade Kubernetes",
  anchor: "patch-the-operating-system-and-upgrade-kubernetes",
};

/** Two-Node Architecture § Limitations; systemd extensions § Two-Node Cluster Considerations. */
const TWO_NODE_LIMITS: Section = { heading: "Limitations", anchor: "limitations" };
const SYSEXT_TWO_NODE: Section = {
  heading: "Two-Node Cluster Considerations",
  anchor: "two-node-cluster-considerations",
};

const osNoOpParameters = [
  "registry",
  "repo",
  "k8sDistribution",
  "osName",
  "peVersion",
  "customTag",
  "osVersion",
] as const;

/** The Reboot column of the OS and kubernetes tables: one row per stage, the same in both layers. */
function stageReboots<L extends "os" | "kubernetes">(layer: L, reference: Section) {
  return STAGES.map(
    (stage) =>
      ({
        id: `${layer}.stages.${stage}`,
        layers: [layer],
        distributions: ALL,
        path: `stages.${stage}.*`,
        behavior: "reboot",
        reason: `the ${stage} stage (and ${stage}.before, ${stage}.after) runs while a node boots: the node reboots to apply it`,
        ...cite(reference, "Reboot"),
        covered: true,
        ...(layer === "kubernetes" ? { assumptionFor: CANONICAL_KUBERNETES_ROWS } : {}),
      }) as const,
  );
}

export const RULES = [
  // ── OS layer ────────────────────────────────────────────────────────────────────────────────
  {
    id: "os.options.system.uri",
    layers: ["os"],
    distributions: ALL,
    path: "options.system.uri",
    behavior: "repave",
    reason: "options.system.uri names the provider image: a new image repaves every node",
    ...cite(OS_REF, "Repave"),
    covered: true,
  },
  {
    id: "os.uri-parameter",
    layers: ["os", "kubernetes", "network", "storage"],
    distributions: ALL,
    path: "@uri-parameter",
    behavior: "repave",
    reason: "options.system.uri uses this value, so the rendered uri changes",
    ...cite(OS_REF, "warning: parameters used by options.system.uri"),
    covered: true,
  },
  {
    id: "sysext.options.system.uri",
    layers: ["os"],
    distributions: ALL,
    modes: ["sysext"],
    path: "options.system.uri",
    behavior: "repave",
    reason:
      "systemd-extension delivery: a new provider image (or a move to system.uri NA) repaves and reboots every node; with a Kubernetes version change in the same revision, still one repave",
    ...cite(
      SYSEXT_BOTH,
      "Patch the Operating System; both in one revision: one repave",
      PAGES.systemdExtensions,
    ),
    priority: 1,
    covered: true,
  },
  ...stageReboots("os", OS_REF),
  {
    id: "os.stages.reconcile",
    layers: ["os"],
    distributions: ALL,
    path: "stages.reconcile.*",
    behavior: "config-reload",
    reason:
      "the reconcile stage (and reconcile.before, reconcile.after) is re-applied in place: configuration reload",
    ...cite(BEHAVIORS_REF, "Configuration reload: stage.reconcile.* in the OS layer"),
    covered: true,
  },
  {
    id: "os.pack",
    layers: ["os"],
    distributions: ALL,
    path: "pack.*",
    behavior: "no-op",
    reason: "pack.* settings (drain, content…) change how Palette handles the pack, not the nodes",
    ...cite(OS_REF, "No-op"),
    covered: true,
  },
  {
    id: "os.providerCredentials",
    layers: ["os"],
    distributions: ALL,
    path: "providerCredentials.*",
    behavior: "no-op",
    reason: "provider credentials are only used to pull images",
    ...cite(OS_REF, "No-op"),
    covered: true,
  },
  ...osNoOpParameters.map(
    (parameter) =>
      ({
        id: `os.options.system.${parameter}`,
        layers: ["os"],
        distributions: ALL,
        path: `options.system.${parameter}`,
        behavior: "no-op",
        reason: `options.system.${parameter} is informational unless options.system.uri uses it`,
        ...cite(OS_REF, "No-op"),
        covered: true,
      }) as const,
  ),
  {
    // The reference has no row for the OS pack's version. A new OS pack version without a new
    // rendered uri keeps the same image, so the conservative default (reboot) applies; when the uri
    // renders differently the uri rules repave instead.
    id: "os.version",
    layers: ["os"],
    distributions: ALL,
    path: "@version",
    behavior: "reboot",
    reason: "the reference has no row for an OS pack version change; treated as reboot (conservative)",
    ...cite(OS_REF, "not covered"),
    covered: false,
  },
  {
    id: "os.pack-switch",
    layers: ["os"],
    distributions: ALL,
    path: "@pack",
    behavior: "reboot",
    reason: "the reference has no row for a different OS pack; treated as reboot unless the uri changes",
    ...cite(OS_REF, "not covered"),
    covered: false,
  },

  // ── RKE2 known issue: stages.* repave, stages.reconcile.* reloads ──────────────────────────
  {
    id: "rke2.stages",
    layers: ["os", "kubernetes"],
    distributions: ["rke2"],
    path: "stages.*",
    behavior: "repave",
    reason:
      "RKE2 known issue: a change to stages.* (every stage, X.before and X.after included) repaves instead of rebooting",
    ...cite(KNOWN_ISSUES, "RKE2"),
    priority: 1,
    quirk: "rke2",
    covered: true,
  },
  {
    id: "rke2.stages.reconcile",
    layers: ["os", "kubernetes"],
    distributions: ["rke2"],
    path: "stages.reconcile.*",
    behavior: "config-reload",
    reason:
      "RKE2 known issue exception: stages.reconcile.* (reconcile.before and reconcile.after included) still triggers a configuration reload",
    ...cite(KNOWN_ISSUES, "RKE2"),
    priority: 1,
    quirk: "rke2",
    covered: true,
  },

  // ── Kubernetes layer (same rows for PXK-E, K3s and RKE2) ────────────────────────────────────
  ...stageReboots("kubernetes", K8S_REF),
  {
    // The kubernetes tables do not list reconcile; the known issue says reconcile changes "behave as
    // expected and trigger a configuration reload" in both the OS and the kubernetes pack, which is
    // the reading taken here for every distribution.
    id: "kubernetes.stages.reconcile",
    layers: ["kubernetes"],
    distributions: ALL,
    path: "stages.reconcile.*",
    behavior: "config-reload",
    reason:
      "the reconcile stage (and reconcile.before, reconcile.after) is re-applied in place: configuration reload",
    ...cite(KNOWN_ISSUES, 'RKE2: "behave as expected and trigger a configuration reload"'),
    covered: true,
    assumptionFor: CANONICAL_KUBERNETES_ROWS,
  },
  {
    id: "kubernetes.cluster",
    layers: ["kubernetes"],
    distributions: ALL,
    path: "cluster.*",
    behavior: "service-restart",
    services: ["kubernetes"],
    reason: "cluster.* configures the Kubernetes services, which restart to apply it",
    ...cite(K8S_REF, "Service Restart"),
    covered: true,
    assumptionFor: CANONICAL_KUBERNETES_ROWS,
  },
  {
    id: "kubernetes.clientConfig",
    layers: ["kubernetes"],
    distributions: ALL,
    path: "clientConfig.*",
    behavior: "no-op",
    reason: "clientConfig.* only shapes the kubeconfig handed to users",
    ...cite(K8S_REF, "No-op"),
    covered: true,
    assumptionFor: CANONICAL_KUBERNETES_ROWS,
  },
  {
    id: "kubernetes.pack",
    layers: ["kubernetes"],
    distributions: ALL,
    path: "pack.*",
    behavior: "no-op",
    reason: "pack.* settings change how Palette handles the pack, not the nodes",
    ...cite(K8S_REF, "No-op"),
    covered: true,
    assumptionFor: CANONICAL_KUBERNETES_ROWS,
  },
  {
    // No row in the reference. A new Kubernetes version means new binaries on every node; without a
    // new provider image (see os.uri-parameter) the conservative default, reboot, applies.
    id: "kubernetes.version",
    layers: ["kubernetes"],
    distributions: ALL,
    modes: ["appliance"],
    path: "@version",
    behavior: "reboot",
    reason:
      "a Kubernetes version change while options.system.uri stays the same (a literal uri): the provider image is not replaced, so nodes reboot onto the new Kubernetes",
    ...cite(K8S_REF, "not covered"),
    covered: false,
    assumption:
      "the reference has no row for it; edgesim assumes the unchanged image (or the agent) brings the new Kubernetes up on a reboot. If the image must change for the new version, change options.system.uri too (that repaves)",
  },
  {
    // Agent mode: Palette's agent runs on an OS it does not manage; there is no provider image to
    // repave with, so a new Kubernetes version can only be installed in place.
    id: "kubernetes.version.agent-mode",
    layers: ["kubernetes"],
    distributions: ALL,
    modes: ["agent"],
    path: "@version:agent-mode",
    behavior: "reboot",
    reason:
      "agent mode (Palette's agent on an OS it does not manage, no provider image): the agent installs the new Kubernetes on the existing OS; nodes reboot to run it",
    ...cite(K8S_REF, "not covered"),
    covered: false,
    assumption:
      "the documentation is silent on a Kubernetes upgrade in agent mode (Palette does not manage the OS there; OS patches run as a scheduled SpectroSystemTask); edgesim assumes an in-place upgrade followed by a reboot, since there is no image to repave with. Plan with another mode if yours differs",
  },
  {
    id: "sysext.kubernetes.version",
    layers: ["kubernetes"],
    distributions: ALL,
    modes: ["sysext"],
    path: "@version:sysext",
    behavior: "repave",
    reason:
      "systemd-extension delivery: the agent applies the new Kubernetes as a system extension, and each node repaves and reboots (one repave per profile revision, with an OS image change in the same revision or not)",
    ...cite(SYSEXT_UPGRADE, "Upgrade Kubernetes", PAGES.systemdExtensions),
    covered: true,
  },
  ...(["os", "kubernetes"] as const).map(
    (layer) =>
      ({
        id: `${layer}.manifest`,
        layers: [layer],
        distributions: ALL,
        path: "@manifest",
        behavior: "no-op",
        reason:
          "a pack manifest is a set of Kubernetes objects Palette applies through the cluster's API: it is re-applied, no node is touched",
        ...cite(layer === "os" ? OS_REF : K8S_REF, "not covered"),
        covered: false,
        assumption:
          "the reference lists values only; edgesim assumes a pack's manifests are applied like add-ons, through the Kubernetes API, without a node action",
      }) as const,
  ),
  {
    // Not a value's path: the controller applies it when it plans a rollout (src/controller/skew.ts).
    id: "kubernetes.version-skew",
    layers: ["kubernetes"],
    distributions: ALL,
    path: "@version:skew",
    behavior: "unsupported",
    reason:
      'a Kubernetes version change that would leave a worker pool with "skip worker node update" more than 3 minor versions behind the control plane (Kubernetes N-3 skew): Palette blocks the upgrade, nothing moves',
    ...cite(DECOUPLED_REF, "Kubernetes N-3 skew"),
    covered: true,
  },
  {
    // Not a value's path: applied when an update is published to a cluster with such a pool (src/controller/refusals.ts).
    id: "kubernetes.skip-worker-update",
    layers: ["kubernetes"],
    distributions: ["k3s", "rke2"],
    path: "@pool:skip-worker-update",
    behavior: "unsupported",
    reason:
      '"skip worker node update" on a worker pool is supported on Edge for PXK-E and Canonical only: an update to a K3s or RKE2 cluster with a pool that skips worker updates is refused, nothing moves',
    ...cite(SKIP_WORKER, "Edge: PXK-E and Canonical only; 4.10 release notes", PAGES.nodePool),
    covered: true,
  },
  // ── Two-node HA (not a value's path: applied to the cluster, src/controller/two-node.ts) ──────────
  {
    id: "two-node.distribution",
    layers: ["kubernetes"],
    distributions: ["pxk-e", "rke2"],
    path: "@cluster:two-node",
    behavior: "unsupported",
    reason:
      "two-node clusters support K3s and Palette Optimized Canonical Kubernetes only: a two-node cluster on another distribution, or an update to one, is refused",
    ...cite(TWO_NODE_LIMITS, "K3s and Canonical only", PAGES.twoNode),
    covered: true,
  },
  {
    id: "two-node.agent-mode",
    layers: ["kubernetes"],
    distributions: ALL,
    modes: ["agent"],
    path: "@cluster:two-node:agent",
    behavior: "unsupported",
    reason:
      "agent mode is not supported for two-node clusters (two-node HA relies on Kairos, used in appliance mode only)",
    ...cite(TWO_NODE_LIMITS, "agent mode", PAGES.twoNode),
    covered: true,
  },
  {
    id: "two-node.sysext",
    layers: ["kubernetes"],
    distributions: ALL,
    modes: ["sysext"],
    path: "@cluster:two-node:sysext",
    behavior: "unsupported",
    reason: "two-node clusters do not support systemd extensions: they keep Kubernetes in the provider image",
    assumption:
      'an update to a profile whose options.system.uri is "NA", with no delivery mode given, is read as systemd-extension delivery (§ New Clusters), as every plan reads it, and refused by this rule too: the section says two-node clusters get Kubernetes in a provider image built for every upgrade, which "NA" names none of; agent mode, the other reading, is refused by two-node.agent-mode',
    ...cite(SYSEXT_TWO_NODE, undefined, PAGES.systemdExtensions),
    covered: true,
  },
  {
    id: "kubernetes.pack-switch",
    layers: ["kubernetes"],
    distributions: ALL,
    path: "@pack",
    behavior: "reboot",
    reason: "the reference has no row for a different Kubernetes pack; treated as reboot (conservative)",
    ...cite(K8S_REF, "not covered"),
    covered: false,
  },

  // ── Network layer ───────────────────────────────────────────────────────────────────────────
  {
    id: "network.values",
    layers: ["network"],
    distributions: ALL,
    path: "*",
    behavior: "service-restart",
    services: ["networking"],
    reason: "CNI pack changes are applied by restarting the networking services",
    ...cite(NETWORK_REF),
    covered: true,
  },
  {
    id: "network.version",
    layers: ["network"],
    distributions: ALL,
    path: "@version",
    behavior: "service-restart",
    services: ["networking"],
    reason: "a new CNI pack version is applied by restarting the networking services",
    ...cite(NETWORK_REF),
    covered: true,
  },
  {
    id: "network.manifest",
    layers: ["network"],
    distributions: ALL,
    path: "@manifest",
    behavior: "service-restart",
    services: ["networking"],
    reason: "a changed CNI pack manifest is applied by restarting the networking services",
    ...cite(NETWORK_REF),
    covered: true,
  },
  {
    id: "network.pack-switch",
    layers: ["network"],
    distributions: ALL,
    path: "@pack",
    behavior: "unsupported",
    reason: "changing to a different CNI pack after provisioning is not supported: create another cluster",
    ...cite(NETWORK_REF, "warning"),
    covered: true,
  },

  // ── Storage layer ───────────────────────────────────────────────────────────────────────────
  {
    id: "storage.values",
    layers: ["storage"],
    distributions: ALL,
    path: "*",
    behavior: "service-restart",
    services: ["storage"],
    reason: "storage pack changes are applied by restarting the storage services",
    ...cite(STORAGE_REF),
    covered: true,
  },
  {
    id: "storage.version",
    layers: ["storage"],
    distributions: ALL,
    path: "@version",
    behavior: "service-restart",
    services: ["storage"],
    reason: "a new storage pack version is applied by restarting the storage services",
    ...cite(STORAGE_REF),
    covered: true,
  },
  {
    id: "storage.manifest",
    layers: ["storage"],
    distributions: ALL,
    path: "@manifest",
    behavior: "service-restart",
    services: ["storage"],
    reason: "a changed storage pack manifest is applied by restarting the storage services",
    ...cite(STORAGE_REF),
    covered: true,
  },
  {
    id: "storage.pack-switch",
    layers: ["storage"],
    distributions: ALL,
    path: "@pack",
    behavior: "unsupported",
    reason: "changing to a different storage pack is not supported: create another cluster",
    ...cite(STORAGE_REF, "later releases of the page: a storage pack switch is unsupported"),
    covered: true,
  },

  // ── Add-on layers (the reference is silent) ─────────────────────────────────────────────────
  ...(
    [
      ["addon.values", "*", "a changed add-on value"],
      ["addon.version", "@version", "a new add-on pack version"],
      ["addon.manifest", "@manifest", "a changed add-on manifest"],
      ["addon.presence", "@layer", "an add-on added or removed"],
    ] as const
  ).map(
    ([id, path, what]) =>
      ({
        id,
        layers: ["addon"],
        distributions: ALL,
        path,
        behavior: "no-op",
        reason: `${what}: Palette (re)applies the add-on through the cluster's Kubernetes API (Helm chart or manifests); no node is repaved, rebooted or restarted`,
        ...cite(CHANGE_LOCATION, "add-on layers: not covered"),
        covered: false,
        assumption:
          "the reference covers the OS, Kubernetes, network and storage layers only; edgesim assumes add-ons disrupt no node (their own pods roll as the chart says)",
      }) as const,
  ),
] as const satisfies readonly Rule[];

/** Ids of rules the planner applies outside the table lookup (not a path match). */
export const UNCLASSIFIED_RULE = "unclassified";
export const DISTRIBUTION_CHANGE_RULE = "distribution.change";
export const LAYER_PRESENCE_RULE = "layer.presence";

export type RuleId = (typeof RULES)[number]["id"];

export function ruleById(id: string): Rule | undefined {
  return (RULES as readonly Rule[]).find((rule) => rule.id === id);
}

/** The rules that apply to a distribution and a delivery mode, with or without the RKE2 known issue. */
export function rulesFor(
  distribution: Distribution | undefined,
  rke2Quirk: boolean,
  mode?: DeliveryMode,
): Rule[] {
  return (RULES as readonly Rule[])
    .filter(
      (rule) =>
        (distribution === undefined || rule.distributions.includes(distribution)) &&
        (rule.quirk === undefined || rke2Quirk) &&
        (mode === undefined || rule.modes === undefined || rule.modes.includes(mode)),
    )
    .map((rule) => ruleFor(rule, distribution));
}
