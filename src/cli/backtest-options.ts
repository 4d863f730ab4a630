/* The options of `edgesim backtest`, shared by its registration (backtest.ts) and its action, which import this leaf. */
export interface BacktestCommandOptions {
  rollouts: string;
  inventory: string;
  trainUntil: string;
  trials?: number;
  seed?: number;
  classLabel?: string;
  siteLabel?: string;
  notReadyDelay?: number;
  json?: boolean;
  html?: string;
  color?: boolean;
}
