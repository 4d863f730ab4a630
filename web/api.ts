// The JSON the workbench page reads from the server's API (src/serve/app.ts): each endpoint's answer, with
// the fields the page uses. Declared here rather than imported from src/, whose types bring Node's with them.

/** An input problem: the file (under the served folder), where in it, and what. */
export interface ApiDiagnostic {
  file: string;
  message: string;
  /** 1-based line and column, when the problem has a position in the file. */
  line?: number;
  col?: number;
  /** Dotted path of the offending value. */
  path?: string;
}

/**
 * What any endpoint answers with a status other than 200: `error` (a refusal, a failure), or `diagnostics`
 * (422: the input's problems). A 200 answer has neither.
 */
export interface Refusal {
  error?: string;
  diagnostics?: ApiDiagnostic[];
}

/** An endpoint's JSON as the page reads it: its own shape when the status is 200, a refusal otherwise. */
export type Answer<T> = T & Refusal;

/** GET /api/files: the YAML files under the served folder. */
export interface ListedFiles {
  files: Listed[];
}
export interface Listed {
  /** Relative to the served folder, `/`-separated. */
  path: string;
  /** Its kind (`profile`, `scenario`, `fleet-plan`, `fleet`…); absent when it is of no kind edgesim knows. */
  kind?: string;
}

/** GET /api/file?path=: a file's text. */
export interface FileText {
  text: string;
}

/** POST /api/plan: the plan of FROM → TO as `edgesim plan --json` prints it. */
export interface PlanAnswer {
  behavior: string;
  distribution: string;
  changes: PlanChange[];
  /** The refused changes, shown as JSON as they are. */
  unsupported: unknown[];
  warnings: string[];
  /** Absent when the update is refused. */
  estimate?: PlanEstimate;
}
export interface PlanChange {
  layer: string;
  path: string;
  behavior: string;
  rule: string;
  reason: string;
  assumption?: string;
}
export interface PlanEstimate {
  durationMs: number;
  nodes: { node: string; action: string; startMs: number; readyMs: number }[];
}

/** POST /api/save: the path saved to. */
export interface Saved {
  saved: string;
}

/** A line of a run's timeline: what the lanes read of it (each event has further details of its own). */
export interface TimelineEntry {
  /** Virtual ms since the run's start. */
  t: number;
  event: string;
  /** The node, for a node's events. */
  node?: string;
  /** The action, for an action's events. */
  action?: string;
  /** Why, for `agent-blocked` (and a failure's events). */
  reason?: string;
  /** `agent-resumed`: the state the agent resumed in. */
  state?: string;
}
/** An `action-started` line: it always names its node and action. */
export interface ActionStarted extends TimelineEntry {
  event: "action-started";
  node: string;
  action: string;
}

/** A run as the Replay page draws it on its lanes: a scenario's, or a fleet site's rollout. */
export interface Replay {
  durationMs: number;
  timeline: TimelineEntry[];
  nodes: { name: string }[];
}

/** POST /api/run: a scenario's run as `edgesim run --json` prints it. */
export interface ScenarioRun extends Replay {
  name: string;
  result: string;
  passed: boolean;
  expectations: { passed: boolean; message: string }[];
}

/** POST /api/fleet: the fleet plan's page and its per-site rows (the first trial). */
export interface FleetAnswer {
  html: string;
  sites: SiteRow[];
}
/**
 * A site's row as `edgesim fleet --clusters-csv` has it (name, strategy, wave, state, result, startLocal,
 * overranWindow, why…): the page lists every field of it, so it stays an open record.
 */
export type SiteRow = Record<string, unknown>;

/** POST /api/fleet/site: a fleet site replayed. */
export interface SiteReplay {
  fleet: string;
  strategy: string;
  site: string;
  timeZone: string;
  /** `rolled`, or why there is nothing to replay. */
  state: string;
  wave: string;
  faults: string[];
  rollouts: SiteRollout[];
}
export interface SiteRollout {
  from: string;
  to: string;
  /** Epoch ms (UTC). */
  startMs: number;
  startUtc: string;
  startLocal: string;
  run: SiteRun;
}
/** A site's simulation, shaped as a scenario's run. */
export interface SiteRun extends Replay {
  name: string;
  result: string;
  behavior: string;
  finalProfile: string;
  failure?: { node: string; action: string; reason: string };
}

/** A quiz question as the page is sent it (without its answer). */
export interface QuizQuestion {
  topic: string;
  situation: string[];
  /** The change's lines, as the terminal quiz shows them; empty when there is none. */
  change: string[];
  ask: string;
  choices: { id: string; label: string }[];
}

/** POST /api/quiz/start. */
export interface QuizStart {
  id: string;
  count: number;
  /** Absent when there are no questions. */
  question?: QuizQuestion;
}

/** POST /api/quiz/answer: the verdict, the score so far, and the next question (absent at the end). */
export interface QuizVerdict {
  right: boolean;
  answer: string;
  explanation: string;
  rules: string[];
  score: number;
  asked: number;
  next?: QuizQuestion;
  /** The results file the attempt was recorded in, at the end. */
  recorded?: string;
}
