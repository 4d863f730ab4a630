import type { Distribution, LayerName } from "../shared/types.js";

/** A plain YAML value after normalisation: mappings are nested objects with no dotted keys. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Mapping = { [key: string]: Value };

export interface Layer {
  name: LayerName;
  pack: string;
  version: string;
  /** Values with dotted keys expanded into nested mappings and every resolvable macro rendered. */
  values: Mapping;
  /** The same values before macros were rendered (still normalised): what the user wrote. */
  rawValues: Mapping;
  /** Each scalar of the raw values as written (`0644`, `1.10`), by dotted path: for showing changes. */
  written?: { get(dottedPath: string): string | undefined };
  /** The pack's manifests (`manifests[]` of a Palette pack: name and YAML content), in file order. */
  manifests?: Manifest[];
}

export interface Manifest {
  name: string;
  content: string;
}

/** A pack manifest added, removed or with a different content. */
export interface ManifestChange {
  name: string;
  kind: "added" | "removed" | "changed";
  from?: string;
  to?: string;
}

export interface Profile {
  name: string;
  /** The file it was read from, as given (for messages). */
  file: string;
  distribution: Distribution;
  /** True when `distribution` was inferred from the kubernetes pack name. */
  distributionInferred: boolean;
  variables: Record<string, string>;
  /** Variables its values refer to (`{{ .spectro.var.NAME }}`), sorted: a `--var` none uses is a typo. */
  variablesUsed: string[];
  /** os, kubernetes, network, storage (when present), then add-ons in file order. */
  layers: Layer[];
  /** Macros left as written (values that exist only on a live cluster), and similar notes. */
  warnings: string[];
}

export interface LoadOptions {
  /** `--var NAME=VALUE` overrides of the profile's `variables`. */
  variables?: Record<string, string>;
  /** `--distribution` override. */
  distribution?: Distribution;
}

/** One changed leaf. `path` is dotted; list items are `[i]`, e.g. `stages.boot[0].commands[1]`. */
export interface LeafChange {
  path: string;
  kind: "added" | "removed" | "changed";
  from?: Value;
  to?: Value;
  /** The old and new value as written in the files, where they are scalars written so (`0644`). */
  fromText?: string;
  toText?: string;
}

export interface LayerDiff {
  layer: LayerName;
  /** Pack name on each side; `undefined` when the layer is absent on that side. */
  fromPack?: string;
  toPack?: string;
  fromVersion?: string;
  toVersion?: string;
  /** The layer exists on both sides with different pack names. */
  packSwitched: boolean;
  versionChanged: boolean;
  /** Leaf changes of the rendered values (empty when the pack was switched or the layer added/removed). */
  changes: LeafChange[];
  /** Manifests whose content differs (empty when the pack was switched or the layer added/removed). */
  manifestChanges: ManifestChange[];
}

export interface ProfileDiff {
  from: Profile;
  to: Profile;
  /** Only layers with some difference, in layer order. */
  layers: LayerDiff[];
}

/** From the OS layer's `pack.drain` (Palette's keys); defaults cordon true, timeout 60 s, grace 60 s. */
export interface DrainPolicy {
  /**
   * The OS layer's `pack.drainPods` (Skip Node Draining During Upgrades): `true` drains, `false` does not,
   * `auto` (the default, also when absent) drains only a cluster of more than one node.
   */
  drainPods?: "auto" | "true" | "false";
  /** `pack.podSelector`: only matching pods are drained (Palette's protected labels always apply). */
  podSelector?: string;
  /** `pack.disableEviction`: pods are deleted rather than evicted, so a PodDisruptionBudget cannot hang the drain. */
  disableEviction?: boolean;
  cordon: boolean;
  timeoutMs: number;
  gracePeriodMs: number;
  ignoreDaemonSets: boolean;
  deleteLocalData: boolean;
  force: boolean;
}
