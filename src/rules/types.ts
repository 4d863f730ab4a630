import type { Value } from "../profile/types.js";
import type { Behavior, DeliveryMode, Distribution, LayerName, Service } from "../shared/types.js";

export interface PlannedChange {
  layer: LayerName;
  /** Dotted path of the changed value; `@version` for a pack version change, `@pack` for a pack switch. */
  path: string;
  behavior: Behavior;
  /** Id of the rule that decided, e.g. `os.options.system.uri`; `unclassified` when none matched. */
  rule: string;
  reason: string;
  /** True when no rule covers the change and the conservative fallback (reboot) decided. */
  unclassified: boolean;
  /** Where the reference is silent and a rule states edgesim's choice: what edgesim assumes. */
  assumption?: string;
  /**
   * For a value holding YAML text (`cluster.config: |`, a manifest's content): the path inside that
   * text that changed, e.g. `kube-apiserver-arg[3]`. The change is still classified by `path`.
   */
  innerPath?: string;
  /** For `service-restart`: which services restart. */
  services?: Service[];
  from?: Value;
  to?: Value;
  /** The value as written in the file when it is a number, boolean or null (`0644`, `1.10`, `~`). */
  fromText?: string;
  toText?: string;
}

export interface Unsupported {
  layer: LayerName;
  rule: string;
  reason: string;
}

export interface Plan {
  from: string;
  to: string;
  distribution: Distribution;
  /**
   * The delivery mode the rules were applied for: the one given, else `sysext` when TO's
   * `options.system.uri` is "NA" (the more disruptive reading, with a warning), else `appliance`.
   * Always set by the planner; optional for plans written by hand (tests, tables).
   */
  mode?: DeliveryMode;
  /**
   * Why `mode` is `sysext` when no mode (or `appliance`) was given: TO's `options.system.uri` is "NA", read
   * as systemd-extension delivery. An assumption, said wherever the mode refuses something (a two-node
   * cluster); absent when the mode was given or the uri names an image.
   */
  modeAssumption?: string;
  /** The most disruptive behavior among the changes; `no-op` when nothing changed. */
  behavior: Behavior;
  changes: PlannedChange[];
  /** Union of the services restarted by service-restart changes (in SERVICES order). */
  services: Service[];
  unsupported: Unsupported[];
  warnings: string[];
}

export interface PlanOptions {
  /** Apply the RKE2 known issue (`stages.*` repaves). Default true. */
  rke2Quirk?: boolean;
  /**
   * How the cluster gets its Kubernetes binaries (scenario `cluster.mode`, fleet site `mode`,
   * `plan --mode`). Absent: `appliance`, or — when TO's uri is "NA", which both sysext and agent mode
   * write — `sysext`, the more disruptive reading, said in a warning.
   */
  mode?: DeliveryMode;
}
