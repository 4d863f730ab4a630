import type { DeliveryMode, Distribution } from "../shared/types.js";

/* The options of `edgesim rules`, shared by its registration (rules.ts) and its action, which import this leaf. */
export interface RulesCommandOptions {
  distribution?: Distribution;
  mode?: DeliveryMode;
  rke2Quirk: boolean;
  json?: boolean;
  color?: boolean;
}
