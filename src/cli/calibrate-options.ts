/* The options of `edgesim calibrate`, shared by its registration (calibrate.ts) and its action, which import this leaf. */
export interface CalibrateCommandOptions {
  rollouts: string;
  inventory?: string;
  classLabel?: string;
  siteLabel?: string;
  notReadyDelay?: number;
  out?: string;
  json?: boolean;
  color?: boolean;
}
