import type { Register } from "./options.js";

/**
 * Every command, as the top-level help lists it, and where its module is. A command's module (its options,
 * its help, and through its action whatever it runs) is imported only when that command runs, so
 * `edgesim --version` and `edgesim --help` load none of them. The `term` and `summary` are what the
 * module's own definition shows; a test checks that they agree.
 */
export interface CommandEntry {
  name: string;
  /** The usage term in the command list, e.g. `plan [options] <from> <to>`. */
  term: string;
  summary: string;
  load: () => Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "plan",
    term: "plan [options] <from> <to>",
    summary: "Say what updating a cluster from profile FROM to profile TO will do, and why",
    load: async () => (await import("./plan.js")).registerPlan,
  },
  {
    name: "path",
    term: "path [options] <from>",
    summary:
      "Find the least disruptive way from profile FROM to a target across profile revisions, planning every step",
    load: async () => (await import("./path.js")).registerPath,
  },
  {
    name: "run",
    term: "run [options] <scenario>",
    summary: "Replay a scenario, roll a fleet file or a fleet plan, and check its expectations",
    load: async () => (await import("./run.js")).registerRun,
  },
  {
    name: "test",
    term: "test [options] <dir>",
    summary: "Run every scenario and fleet file under DIR and report which pass",
    load: async () => (await import("./test.js")).registerTest,
  },
  {
    name: "report",
    term: "report [options] <scenario>",
    summary: "Replay a scenario and write its timeline as a self-contained HTML page",
    load: async () => (await import("./report.js")).registerReport,
  },
  {
    name: "quiz",
    term: "quiz [options]",
    summary:
      "Train on upgrade outcomes: realistic profile changes and rollout stories, checked by the planner and the simulation",
    load: async () => (await import("./quiz.js")).registerQuiz,
  },
  {
    name: "rules",
    term: "rules [options]",
    summary: "List the upgrade-behavior rules the planner applies, with their ids and sources",
    load: async () => (await import("./rules.js")).registerRules,
  },
  {
    name: "fleet",
    term: "fleet [options] [file]",
    summary: "Plan a fleet rollout: waves, maintenance windows, image downloads and risk over many sites",
    load: async () => (await import("./fleet.js")).registerFleet,
  },
  {
    name: "calibrate",
    term: "calibrate [options] <history...>",
    summary: "Fit step timings and failure rates to the fleet's own history of rollouts",
    load: async () => (await import("./calibrate.js")).registerCalibrate,
  },
  {
    name: "backtest",
    term: "backtest [options] <history...>",
    summary: "Fit timings on the history before a date and score the forecast of every later rollout",
    load: async () => (await import("./backtest.js")).registerBacktest,
  },
  {
    name: "serve",
    term: "serve [options] [dir]",
    summary:
      "Serve a workbench in the browser: plan, replay, fleet and training pages over the files under DIR",
    load: async () => (await import("./serve.js")).registerServe,
  },
  {
    name: "completion",
    term: "completion [options] <shell>",
    summary: "Print a shell completion script for bash, zsh or fish",
    load: async () => (await import("./completion.js")).registerCompletion,
  },
];
