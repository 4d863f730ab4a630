/* The options of `edgesim serve`, shared by its registration (serve.ts) and its action, which import this leaf. */
export interface ServeCommandOptions {
  port: number;
  host: string;
  open?: boolean;
  token?: string;
  results?: string;
  operator?: string;
}
