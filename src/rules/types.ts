import type { Value } from "../profile/types.js";
import type { Behavior, Distribution, LayerName, Service } from "../shared/types.js";

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
}
