import type { Mapping, Profile, Value } from "../profile/types.js";
import { isMapping } from "../profile/values.js";
import type { Distribution, LayerName } from "../shared/types.js";
import {
  type Draft,
  type DraftLayer,
  editYamlText,
  layerOf,
  type Segments,
  setValue,
  valueAt,
} from "./draft.js";

import type { ChangeTopic } from "./topics.js";

export { CHANGE_TOPICS, type ChangeTopic } from "./topics.js";

/** One edit made to a draft: where, the value before (absent when added) and after. */
export type Edit =
  | {
      kind: "value";
      layer: LayerName;
      path: Segments;
      /** When the value at `path` is YAML text (PXK-E's kubeadm configuration): the path inside it. */
      inText?: Segments;
      from?: Value;
      to?: Value;
      /** What the operator does, in words: "Add a boot-stage step that enables chrony". */
      summary: string;
    }
  | { kind: "version" | "pack"; layer: LayerName; from: string; to: string; summary: string };

export interface ChangeContext {
  /** The base as loaded (macros rendered), for reading rendered values such as the image uri. */
  profile: Profile;
  distribution: Distribution;
}

/**
 * A realistic change an operator makes to a profile. `apply` edits the draft in place and says what it
 * did, or returns undefined when the profile has nothing it applies to. Templates never decide the
 * answer: the real planner does, on the edited profile.
 */
export interface ChangeTemplate {
  id: string;
  topic: ChangeTopic;
  apply: (draft: Draft, context: ChangeContext) => Edit | undefined;
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────

/** Appends a step to `stages.<stage>` of a layer (creating the stage), as a yip stage list item. */
function addStageStep(layerName: "os" | "kubernetes", stage: string, step: Mapping, summary: string) {
  return (draft: Draft): Edit | undefined => {
    const layer = layerOf(draft, layerName);
    if (!layer) return undefined;
    const list = valueAt(layer.values, ["stages", stage]);
    if (list !== undefined && list !== null && !Array.isArray(list)) return undefined;
    const before = Array.isArray(list) ? list : [];
    if (!setValue(layer.values, ["stages", stage], [...before, step])) return undefined;
    return { kind: "value", layer: layer.name, path: ["stages", stage, before.length], to: step, summary };
  };
}

/** Replaces the value at `path` when it is there and `next` gives a different one. */
function changeValue(
  layerName: LayerName,
  path: Segments,
  next: (current: Value) => Value | undefined,
  summary: string,
) {
  return (draft: Draft): Edit | undefined => {
    const layer = layerOf(draft, layerName);
    if (!layer) return undefined;
    const current = valueAt(layer.values, path);
    if (current === undefined || current === null) return undefined;
    const value = next(current);
    if (value === undefined || JSON.stringify(value) === JSON.stringify(current)) return undefined;
    setValue(layer.values, path, value);
    return { kind: "value", layer: layer.name, path, from: current, to: value, summary };
  };
}

/** Sets a value that the profile does not have yet (or has differently). */
function setNew(layerName: LayerName, path: Segments, value: Value, summary: string) {
  return (draft: Draft): Edit | undefined => {
    const layer = layerOf(draft, layerName);
    if (!layer) return undefined;
    const current = valueAt(layer.values, path);
    if (JSON.stringify(current) === JSON.stringify(value)) return undefined;
    if (!setValue(layer.values, path, value)) return undefined;
    return {
      kind: "value",
      layer: layer.name,
      path,
      ...(current === undefined ? {} : { from: current }),
      to: value,
      summary,
    };
  };
}

/**
 * In a list of `flag=value` arguments (`kube-apiserver-arg`, `kubelet-arg`), sets `flag` to `value`:
 * replaces the flag's entry, or appends one.
 */
function setArgument(list: Value | undefined, flag: string, value: string): string[] | undefined {
  if (list !== undefined && list !== null && !Array.isArray(list)) return undefined;
  const items = (Array.isArray(list) ? list : []).map(String);
  const entry = `${flag}=${value}`;
  const at = items.findIndex((item) => item.startsWith(`${flag}=`));
  if (at >= 0) {
    if (items[at] === entry) return undefined;
    items[at] = entry;
  } else items.push(entry);
  return items;
}

/**
 * A Kubernetes component argument: in `cluster.config.<key>` (K3s, RKE2), or in PXK-E's kubeadm
 * configuration (YAML text in `cluster.config`) under each of `kubeadmPaths`.
 */
function componentArgument(
  k3sKey: string,
  kubeadmPaths: readonly Segments[],
  flag: string,
  value: string,
  summary: string,
) {
  return (draft: Draft, context: ChangeContext): Edit | undefined => {
    const layer = layerOf(draft, "kubernetes");
    if (!layer) return undefined;
    if (context.distribution !== "pxk-e") {
      const path = ["cluster", "config", k3sKey];
      const current = valueAt(layer.values, path);
      const next = setArgument(current, flag, value);
      if (!next || !setValue(layer.values, path, next)) return undefined;
      return {
        kind: "value",
        layer: layer.name,
        path,
        ...(current === undefined ? {} : { from: current }),
        to: next,
        summary,
      };
    }
    let first: { path: Segments; from?: Value; to: Value } | undefined;
    const edited = editYamlText(layer.values, ["cluster", "config"], (kubeadm) => {
      for (const path of kubeadmPaths) {
        const args = valueAt(kubeadm, path);
        if (args !== undefined && !isMapping(args)) return false;
        const from = args === undefined ? undefined : { ...args };
        const to = { ...(from ?? {}), [flag]: value };
        if (from?.[flag] === value) return false;
        setValue(kubeadm, path, to);
        first ??= { path, ...(from === undefined ? {} : { from }), to };
      }
      return true;
    });
    if (!edited || !first) return undefined;
    return {
      kind: "value",
      layer: layer.name,
      path: ["cluster", "config"],
      inText: first.path,
      ...(first.from === undefined ? {} : { from: first.from }),
      to: first.to,
      summary,
    };
  };
}

/** `1.30.5` → `1.30.7` (patch) or `1.31.2` (minor); a leading `v` and a suffix are kept. */
export function bumpVersion(version: string, part: "patch" | "minor"): string | undefined {
  const match = /^(v?)(\d+)\.(\d+)\.(\d+)(.*)$/.exec(version);
  if (!match) return undefined;
  const [, v, major, minor, patch, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return part === "patch"
    ? `${v}${major}.${minor}.${Number(patch) + 2}${rest}`
    : `${v}${major}.${Number(minor) + 1}.2${rest}`;
}

function bumpLayerVersion(
  layerName: LayerName,
  part: "patch" | "minor",
  summary: (layer: DraftLayer) => string,
) {
  return (draft: Draft): Edit | undefined => {
    const layer = layerOf(draft, layerName);
    if (!layer) return undefined;
    const next = bumpVersion(layer.version, part);
    if (!next) return undefined;
    const edit: Edit = {
      kind: "version",
      layer: layer.name,
      from: layer.version,
      to: next,
      summary: summary(layer),
    };
    layer.version = next;
    return edit;
  };
}

function switchPack(
  layerName: LayerName,
  choose: (pack: string) => { pack: string; version: string },
  summary: string,
) {
  return (draft: Draft): Edit | undefined => {
    const layer = layerOf(draft, layerName);
    if (!layer) return undefined;
    const next = choose(layer.pack);
    const edit: Edit = {
      kind: "pack",
      layer: layer.name,
      from: `${layer.pack} ${layer.version}`,
      to: `${next.pack} ${next.version}`,
      summary,
    };
    layer.pack = next.pack;
    layer.version = next.version;
    layer.values = {};
    return edit;
  };
}

const text = (value: Value) => (typeof value === "string" ? value : undefined);

// ── the catalog ─────────────────────────────────────────────────────────────────────────────────

const OS_TEMPLATES: ChangeTemplate[] = [
  {
    id: "os.boot-step-chrony",
    topic: "os",
    apply: addStageStep(
      "os",
      "boot",
      { name: "Enable chrony", commands: ["systemctl enable --now chronyd"] },
      "Add a boot-stage step to the OS layer that enables chrony",
    ),
  },
  {
    id: "os.initramfs-br-netfilter",
    topic: "os",
    apply: addStageStep(
      "os",
      "initramfs",
      {
        name: "Load br_netfilter",
        files: [
          { path: "/etc/modules-load.d/br_netfilter.conf", permissions: 420, content: "br_netfilter\n" },
        ],
      },
      "Have the OS load br_netfilter from the initramfs stage",
    ),
  },
  {
    id: "os.network-step-dns",
    topic: "os",
    apply: addStageStep(
      "os",
      "network",
      {
        name: "Site DNS resolver",
        files: [
          {
            path: "/etc/systemd/resolved.conf.d/site.conf",
            permissions: 420,
            content: "[Resolve]\nDNS=10.42.0.53\nDomains=store.example.com\n",
          },
        ],
      },
      "Point the nodes at the site's DNS resolver from the network stage",
    ),
  },
  {
    id: "os.before-upgrade-stop-app",
    topic: "os",
    apply: addStageStep(
      "os",
      "before-upgrade",
      { name: "Stop the point-of-sale agent", commands: ["systemctl stop pos-agent"] },
      "Stop the point-of-sale agent before every OS upgrade",
    ),
  },
  {
    id: "os.after-upgrade-note",
    topic: "os",
    apply: addStageStep(
      "os",
      "after-upgrade",
      { name: "Record the upgrade", commands: ["date -u +%FT%TZ > /oem/last-upgrade"] },
      "Record the time of every OS upgrade in an after-upgrade step",
    ),
  },
  {
    id: "os.reconcile-journald",
    topic: "os",
    apply: addStageStep(
      "os",
      "reconcile",
      {
        name: "Cap the journal",
        files: [
          {
            path: "/etc/systemd/journald.conf.d/size.conf",
            permissions: 420,
            content: "[Journal]\nSystemMaxUse=500M\n",
          },
        ],
      },
      "Cap the systemd journal at 500 MB in a reconcile step",
    ),
  },
  {
    id: "os.reconcile-logrotate",
    topic: "os",
    apply: (draft) => {
      // Keep a week more of logs: the reconcile stage's logrotate file, when the profile has one.
      const layer = layerOf(draft, "os");
      const steps = layer && valueAt(layer.values, ["stages", "reconcile"]);
      if (!layer || !Array.isArray(steps)) return undefined;
      for (const [i, step] of steps.entries()) {
        const files = isMapping(step) ? step.files : undefined;
        if (!Array.isArray(files)) continue;
        for (const [j, file] of files.entries()) {
          const content = isMapping(file) ? text(file.content as Value) : undefined;
          if (!content || !/\brotate \d+/.test(content)) continue;
          const next = content.replace(/\brotate (\d+)/, (_, days: string) => `rotate ${Number(days) * 2}`);
          const path = ["stages", "reconcile", i, "files", j, "content"];
          setValue(layer.values, path, next);
          return {
            kind: "value",
            layer: "os",
            path,
            from: content,
            to: next,
            summary: "Keep twice as many rotated logs",
          };
        }
      }
      return undefined;
    },
  },
  {
    id: "os.registry-mirror",
    topic: "os",
    apply: changeValue(
      "os",
      ["options", "system", "registry"],
      (registry) => (typeof registry === "string" ? "harbor.store-042.example.com" : undefined),
      "Pull the provider image from the store's Harbor mirror",
    ),
  },
  {
    id: "os.pe-version",
    topic: "os",
    apply: changeValue(
      "os",
      ["options", "system", "peVersion"],
      (version) => (typeof version === "string" ? bumpVersion(version, "minor") : undefined),
      "Move the provider image to the next Palette Edge release",
    ),
  },
  {
    id: "os.custom-tag-fips",
    topic: "os",
    apply: changeValue(
      "os",
      ["options", "system", "customTag"],
      (tag) => (typeof tag === "string" ? `${tag}-fips` : undefined),
      "Switch to the FIPS build of the provider image (its custom tag)",
    ),
  },
  {
    id: "os.os-version",
    topic: "os",
    apply: changeValue(
      "os",
      ["options", "system", "osVersion"],
      (version) => (version === "22.04" ? "24.04" : version === "24.04" ? "22.04" : undefined),
      "Record a different Ubuntu release in options.system.osVersion",
    ),
  },
  {
    id: "os.uri-pinned",
    topic: "os",
    apply: (draft, context) => {
      // Pin the image by a literal uri: the same image with a hotfix tag.
      const rendered = context.profile.layers.find((l) => l.name === "os")?.values;
      const uri = rendered && text(valueAt(rendered, ["options", "system", "uri"]) ?? null);
      const layer = layerOf(draft, "os");
      if (!layer || !uri || uri.includes("{{")) return undefined;
      const from = valueAt(layer.values, ["options", "system", "uri"]);
      const to = `${uri}-hotfix1`;
      setValue(layer.values, ["options", "system", "uri"], to);
      return {
        kind: "value",
        layer: "os",
        path: ["options", "system", "uri"],
        ...(from === undefined ? {} : { from }),
        to,
        summary: "Pin the provider image to a hotfix build by its full uri",
      };
    },
  },
  {
    id: "os.drain-timeout",
    topic: "os",
    apply: setNew(
      "os",
      ["pack", "drain", "timeout"],
      "300s",
      "Give pods five minutes to drain before eviction",
    ),
  },
  {
    id: "os.preload-image",
    topic: "os",
    apply: (draft) => {
      const layer = layerOf(draft, "os");
      if (!layer) return undefined;
      const path = ["pack", "content", "images"];
      const images = valueAt(layer.values, path);
      if (images !== undefined && !Array.isArray(images)) return undefined;
      const to = [...(images ?? []), { image: "docker.io/library/nginx:1.27-alpine" }];
      setValue(layer.values, path, to);
      return {
        kind: "value",
        layer: "os",
        path,
        ...(images === undefined ? {} : { from: images }),
        to,
        summary: "Preload one more container image with the OS pack",
      };
    },
  },
  {
    id: "os.registry-robot",
    topic: "os",
    apply: setNew(
      "os",
      ["providerCredentials", "username"],
      "robot$edge-puller",
      "Pull the provider image with a registry robot account",
    ),
  },
];

const APISERVER: Segments = ["clusterConfiguration", "apiServer", "extraArgs"];
const KUBELET: readonly Segments[] = [
  ["initConfiguration", "nodeRegistration", "kubeletExtraArgs"],
  ["joinConfiguration", "nodeRegistration", "kubeletExtraArgs"],
];

const KUBERNETES_TEMPLATES: ChangeTemplate[] = [
  {
    id: "kubernetes.admission-plugins",
    topic: "kubernetes",
    apply: componentArgument(
      "kube-apiserver-arg",
      [APISERVER],
      "enable-admission-plugins",
      "NodeRestriction,PodSecurity",
      "Turn on the NodeRestriction and PodSecurity admission plugins",
    ),
  },
  {
    id: "kubernetes.anonymous-auth-off",
    topic: "kubernetes",
    apply: componentArgument(
      "kube-apiserver-arg",
      [APISERVER],
      "anonymous-auth",
      "false",
      "Refuse anonymous requests to the API server",
    ),
  },
  {
    id: "kubernetes.audit-maxage",
    topic: "kubernetes",
    apply: componentArgument(
      "kube-apiserver-arg",
      [APISERVER],
      "audit-log-maxage",
      "90",
      "Keep API audit logs for 90 days",
    ),
  },
  {
    id: "kubernetes.kubelet-max-pods",
    topic: "kubernetes",
    apply: componentArgument("kubelet-arg", KUBELET, "max-pods", "250", "Allow 250 pods per node"),
  },
  {
    id: "kubernetes.tls-san",
    topic: "kubernetes",
    apply: (draft, context) => {
      if (context.distribution === "pxk-e") return undefined;
      return setNew(
        "kubernetes",
        ["cluster", "config", "tls-san"],
        ["edge-042.store.example.com"],
        "Add the store's DNS name to the API server certificate",
      )(draft);
    },
  },
  {
    id: "kubernetes.etcd-snapshots",
    topic: "kubernetes",
    apply: (draft, context) => {
      if (context.distribution === "pxk-e") return undefined;
      return setNew(
        "kubernetes",
        ["cluster", "config", "etcd-snapshot-schedule-cron"],
        "0 */6 * * *",
        "Take an etcd snapshot every six hours",
      )(draft);
    },
  },
  {
    id: "kubernetes.oidc-issuer",
    topic: "kubernetes",
    apply: changeValue(
      "kubernetes",
      ["clientConfig", "oidc-issuer-url"],
      (url) => (typeof url === "string" ? "https://sso.retail.example.com/realms/edge" : undefined),
      "Move kubectl logins to the new single sign-on issuer",
    ),
  },
  {
    id: "kubernetes.boot-step-inotify",
    topic: "kubernetes",
    apply: addStageStep(
      "kubernetes",
      "boot",
      { name: "Raise inotify watches", commands: ["sysctl -w fs.inotify.max_user_watches=524288"] },
      "Raise the inotify watch limit in the Kubernetes layer's boot stage",
    ),
  },
  {
    id: "kubernetes.patch-upgrade",
    topic: "kubernetes",
    apply: bumpLayerVersion("kubernetes", "patch", () => "Take the next Kubernetes patch release"),
  },
  {
    id: "kubernetes.minor-upgrade",
    topic: "kubernetes",
    apply: bumpLayerVersion("kubernetes", "minor", () => "Upgrade Kubernetes by one minor version"),
  },
];

const CALICO_NODE: Segments = ["manifests", "calico", "env", "calicoNode"];

const NETWORK_TEMPLATES: ChangeTemplate[] = [
  {
    id: "network.pool-cidr",
    topic: "network",
    apply: changeValue(
      "network",
      [...CALICO_NODE, "CALICO_IPV4POOL_CIDR"],
      (cidr) => (cidr === "10.244.0.0/16" ? "192.168.0.0/16" : "10.244.0.0/16"),
      "Move the pod network to another address range (Calico's IPv4 pool)",
    ),
  },
  {
    id: "network.encapsulation",
    topic: "network",
    apply: changeValue(
      "network",
      ["manifests", "calico", "calicoNetworkConfig"],
      (mode) => (mode === "CALICO_IPV4POOL_VXLAN" ? "CALICO_IPV4POOL_IPIP" : "CALICO_IPV4POOL_VXLAN"),
      "Change Calico's encapsulation between VXLAN and IP-in-IP",
    ),
  },
  {
    id: "network.wireguard",
    topic: "network",
    apply: (draft) => {
      const layer = layerOf(draft, "network");
      if (!layer || !isMapping(valueAt(layer.values, CALICO_NODE) ?? null)) return undefined;
      return setNew(
        "network",
        [...CALICO_NODE, "FELIX_WIREGUARDENABLED"],
        "true",
        "Encrypt pod traffic with WireGuard",
      )(draft);
    },
  },
  {
    id: "network.block-size",
    topic: "network",
    apply: changeValue(
      "network",
      [...CALICO_NODE, "CALICO_IPV4POOL_BLOCK_SIZE"],
      (size) => (size === "24" ? "26" : "24"),
      "Change the size of the address blocks Calico hands to nodes",
    ),
  },
  {
    id: "network.version",
    topic: "network",
    apply: bumpLayerVersion("network", "minor", (layer) => `Upgrade ${layer.pack} by one minor version`),
  },
  {
    id: "network.switch-cni",
    topic: "network",
    apply: switchPack(
      "network",
      (pack) =>
        pack.includes("cilium")
          ? { pack: "cni-calico", version: "3.28.2" }
          : { pack: "cni-cilium-oss", version: "1.16.3" },
      "Replace the CNI with another one",
    ),
  },
];

const STORAGE_TEMPLATES: ChangeTemplate[] = [
  {
    id: "storage.reclaim-retain",
    topic: "storage",
    apply: changeValue(
      "storage",
      ["storageClass", "reclaimPolicy"],
      (policy) => (policy === "Retain" ? "Delete" : "Retain"),
      "Keep volumes when their claims are deleted (or stop keeping them)",
    ),
  },
  {
    id: "storage.data-path",
    topic: "storage",
    apply: changeValue(
      "storage",
      ["nodePathMap", 0, "paths"],
      (paths) => (Array.isArray(paths) ? ["/data/local-path-provisioner"] : undefined),
      "Put local volumes on the data disk",
    ),
  },
  {
    id: "storage.helper-memory",
    topic: "storage",
    apply: changeValue(
      "storage",
      ["helperPod", "resources", "limits", "memory"],
      (memory) => (memory === "128Mi" ? "256Mi" : "128Mi"),
      "Give the volume helper pod more memory",
    ),
  },
  {
    id: "storage.version",
    topic: "storage",
    apply: bumpLayerVersion("storage", "patch", (layer) => `Take the next patch release of ${layer.pack}`),
  },
  {
    id: "storage.switch-csi",
    topic: "storage",
    apply: switchPack(
      "storage",
      (pack) =>
        pack.includes("longhorn")
          ? { pack: "csi-local-path", version: "0.0.30" }
          : { pack: "csi-longhorn", version: "1.7.2" },
      "Replace the storage pack with another one",
    ),
  },
];

/** Every change template, by topic. */
export const CHANGE_TEMPLATES: readonly ChangeTemplate[] = [
  ...OS_TEMPLATES,
  ...KUBERNETES_TEMPLATES,
  ...NETWORK_TEMPLATES,
  ...STORAGE_TEMPLATES,
];

export function templateById(id: string): ChangeTemplate | undefined {
  return CHANGE_TEMPLATES.find((template) => template.id === id);
}
