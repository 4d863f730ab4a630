import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

// dist/bench/bench/startup.js → the repository root
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
// EDGESIM_BIN times another build (an older checkout's bin/edgesim.js) against this machine's node.
const bin = process.env.EDGESIM_BIN ? resolve(process.env.EDGESIM_BIN) : join(root, "bin/edgesim.js");

/** Wall ms from spawning `node ARGS` until its stdout shows `until`, or until it exits. */
export function timeToOutput(args: string[], until?: string): Promise<number> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"], cwd: root });
    let out = "";
    let seen = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!seen && until !== undefined && out.includes(until)) {
        seen = true;
        done(performance.now() - start);
        child.stdin.end();
      }
    });
    child.on("error", fail);
    child.on("exit", () => {
      if (!seen) done(performance.now() - start);
    });
  });
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export interface StartupCase {
  name: string;
  ms: number;
  /** Wall time over `node -e 0`'s, measured in the same run. */
  ratio: number;
  /** The ratio the issue asks for, or an absolute bound in ms. */
  target?: { ratio: number } | { ms: number };
}

export interface StartupBench {
  runs: number;
  nodeMs: number;
  cases: StartupCase[];
}

const PLAN = ["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-registry-change.yaml"];
const STORY = "scenarios/story-two-updates-while-down-latest-wins.yaml";
/** The commands `edgesim --help` lists, each asked for its help (which loads its definition only). */
const COMMAND_NAMES = ["plan", "run", "test", "report", "quiz", "rules", "fleet", "completion"];

interface Command {
  name: string;
  /** Arguments of `edgesim`; run `i` of the quiz gets seed `i + 1`, so each run draws a new question. */
  args: (run: number) => string[];
  /** Timed until stdout shows this (the quiz's prompt), else until the process exits. */
  until?: string;
  target?: StartupCase["target"];
}

/** Every command, once for its help and once doing its work on a bundled example. */
export function startupCommands(scratch: string): Command[] {
  const fixed =
    (...args: string[]) =>
    () =>
      args;
  return [
    { name: "edgesim --version", args: fixed("--version"), target: { ratio: 2 } },
    { name: "edgesim --help", args: fixed("--help"), target: { ratio: 2 } },
    ...COMMAND_NAMES.map((name) => ({
      name: `edgesim ${name} --help`,
      args: fixed(name, "--help"),
      target: { ratio: 2 },
    })),
    { name: "edgesim plan k3s-base k3s-registry-change", args: fixed(...PLAN), target: { ratio: 3 } },
    { name: "edgesim run story-two-updates-while-down", args: fixed("run", STORY) },
    {
      name: "edgesim test scenarios --filter two-updates",
      args: fixed("test", "scenarios", "--filter", "two-updates"),
    },
    {
      name: "edgesim report story-two-updates-while-down",
      args: fixed("report", STORY, "-o", join(scratch, "report.html")),
    },
    {
      name: "edgesim quiz, first question",
      args: (run) => ["quiz", "--seed", String(run + 1)],
      until: "> ",
      target: { ms: 500 },
    },
    { name: "edgesim rules", args: fixed("rules") },
    {
      name: "edgesim fleet regional-stores (9 sites)",
      args: fixed("fleet", "scenarios/fleet-plans/regional-stores.yaml"),
    },
    { name: "edgesim completion bash", args: fixed("completion", "bash") },
  ];
}

/**
 * Start-up as a user sees it: each command spawned `runs` times, interleaved with a bare `node -e 0`
 * so that a busy machine slows both alike; medians, and each command's ratio to node's own start.
 * The quiz is timed until its first prompt.
 */
export async function benchStartup(runs = 15): Promise<StartupBench> {
  const scratch = mkdtempSync(join(tmpdir(), "edgesim-startup-"));
  const commands = startupCommands(scratch);
  // Warm the file cache (and catch a missing build before timing anything).
  for (const command of commands) await timeToOutput([bin, ...command.args(0)], command.until);
  const node: number[] = [];
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    node.push(await timeToOutput(["-e", "0"]));
    for (const [j, command] of commands.entries())
      (times[j] as number[]).push(await timeToOutput([bin, ...command.args(i)], command.until));
  }
  rmSync(scratch, { recursive: true, force: true });
  const nodeMs = median(node);
  return {
    runs,
    nodeMs,
    cases: commands.map((command, j) => {
      const ms = median(times[j] as number[]);
      return {
        name: command.name,
        ms,
        ratio: ms / nodeMs,
        ...(command.target ? { target: command.target } : {}),
      };
    }),
  };
}

/** The start-up table, with each target met or missed. */
export function printStartup(startup: StartupBench): void {
  console.log(
    `\nstart-up (spawned, interleaved with node -e 0, medians of ${startup.runs} runs; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")})`,
  );
  console.table({
    "node -e 0": { "wall ms": startup.nodeMs.toFixed(0), "× node": "1.00", target: "" },
    ...Object.fromEntries(
      startup.cases.map((c) => [
        c.name,
        {
          "wall ms": c.ms.toFixed(0),
          "× node": c.ratio.toFixed(2),
          target: !c.target
            ? ""
            : "ratio" in c.target
              ? `≤ ${c.target.ratio}× node: ${c.ratio <= c.target.ratio ? "met" : "MISSED"}`
              : `< ${c.target.ms} ms: ${c.ms < c.target.ms ? "met" : "MISSED"}`,
        },
      ]),
    ),
  });
}

// `npm run bench:startup` runs this section alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printStartup(await benchStartup(Number(process.env.STARTUP_RUNS ?? 15)));
}
