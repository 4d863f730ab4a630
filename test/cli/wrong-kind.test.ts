import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  COMMAND_INPUTS,
  type CommandInput,
  type CommandInputName,
  describeInput,
  KINDS,
  type Kind,
} from "../../src/kinds/registry.js";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/**
 * Every file a command reads (`COMMAND_INPUTS`: an argument, or an option naming a file), given each
 * kind it does not take, through the built CLI: one sentence on stderr naming the file, what it is,
 * what the input takes and what to run instead; exit 1; nothing on stdout. The pairs run in one
 * process (the bundle's `main`, called once per pair), so the whole table takes a few seconds.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const SCENARIO = "scenarios/story-single-control-plane.yaml";
const PLAN = "scenarios/fleet-plans/regional-stores.yaml";
const PROFILE = "scenarios/profiles/k3s-base.yaml";
const ROLLOUTS = "examples/history/rollouts.yaml";
const INVENTORY = "examples/history/inventory.csv";
const EVENTS = "examples/history/events.ndjson";
const TRAIN = ["--train-until", "2026-10-27T00:00Z"];
const TARGET = ["--kubernetes", "1.31.4"];

let dir: string;

/** A file of each kind: bundled ones, and the rest written in beforeAll. */
const FILES: Record<Kind, () => string> = {
  scenario: () => SCENARIO,
  fleet: () => "scenarios/fleet/retail-wave-stops-on-failure.yaml",
  "fleet-plan": () => PLAN,
  profile: () => PROFILE,
  path: () => "scenarios/paths/k3s-sysext-two-minors.yaml",
  "fleet-part": () => join(dir, "part-0-of-2.part"),
  timings: () => join(dir, "timings.yaml"),
  rollouts: () => ROLLOUTS,
  versions: () => join(dir, "versions.yaml"),
};

/** How each input is given a file; the other arguments are ones it takes. */
const INVOKE: Record<CommandInputName, (file: string) => string[]> = {
  run: (f) => ["run", f],
  "run --timings": (f) => ["run", SCENARIO, "--timings", f],
  report: (f) => ["report", f, "-o", join(dir, "never.html")],
  fleet: (f) => ["fleet", f],
  "fleet --timings": (f) => ["fleet", PLAN, "--timings", f],
  "fleet merge": (f) => ["fleet", "merge", f, join(dir, "part-0-of-2.part")],
  plan: (f) => ["plan", f, PROFILE],
  path: (f) => ["path", f, ...TARGET, "--versions", "1.31.4"],
  "path --to": (f) => ["path", PROFILE, "--to", f],
  "path --fleet": (f) => ["path", PROFILE, ...TARGET, "--versions", "1.31.4", "--fleet", f],
  "path --versions": (f) => ["path", PROFILE, ...TARGET, "--versions", f],
  calibrate: (f) => ["calibrate", f, "--rollouts", ROLLOUTS],
  "calibrate --rollouts": (f) => ["calibrate", EVENTS, "--rollouts", f],
  "calibrate --inventory": (f) => ["calibrate", EVENTS, "--rollouts", ROLLOUTS, "--inventory", f],
  backtest: (f) => ["backtest", f, "--rollouts", ROLLOUTS, "--inventory", INVENTORY, ...TRAIN],
  "backtest --rollouts": (f) => ["backtest", EVENTS, "--rollouts", f, "--inventory", INVENTORY, ...TRAIN],
  "backtest --inventory": (f) => ["backtest", EVENTS, "--rollouts", ROLLOUTS, "--inventory", f, ...TRAIN],
  test: (f) => ["test", f],
  serve: (f) => ["serve", f, "--port", "0"],
};

/** `fleet merge` takes its first argument as the fleet only when it is named .yaml: a part file is a part. */
const NOT_ASKED = (name: CommandInputName, kind: Kind) => name === "fleet merge" && kind === "fleet-part";

const rows = (Object.keys(COMMAND_INPUTS) as CommandInputName[]).flatMap((name) =>
  (Object.keys(KINDS) as Kind[])
    .filter((kind) => !(COMMAND_INPUTS[name] as CommandInput).kinds.includes(kind) && !NOT_ASKED(name, kind))
    .map((kind) => ({ name, kind })),
);

type Answer = { code: number; out: string; err: string };
let answers: Answer[];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-kinds-"));
  writeFileSync(join(dir, "timings.yaml"), "timings: { reboot: 6m }\n");
  writeFileSync(join(dir, "versions.yaml"), "kubernetes: [1.31.4, 1.32.2]\n");
  const shard = spawnEdgesim(["fleet", PLAN, "--shard", "0/2", "--out", dir], {
    cwd: ROOT,
    timeoutMs: 60_000,
  });
  expect(shard.status, shard.stderr).toBe(0);
  const script = `import { main } from ${JSON.stringify(join(ROOT, "dist/bundle/edgesim.js"))};
    const calls = JSON.parse(process.argv[1]);
    const answers = [];
    for (const args of calls) {
      const io = { out: "", err: "", cwd: process.cwd(), isTTY: false, env: { NO_COLOR: "1" },
        stdout: (t) => { io.out += t; }, stderr: (t) => { io.err += t; } };
      const code = await main(args, io);
      answers.push({ code, out: io.out, err: io.err });
    }
    process.stdout.write(JSON.stringify(answers));`;
  const calls = rows.map(({ name, kind }) => INVOKE[name](FILES[kind]()));
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(calls)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(child.status, child.stderr).toBe(0);
  answers = JSON.parse(child.stdout) as Answer[];
}, 120_000);

describe("the wrong kind of file gets one sentence, from every input of every command", () => {
  it("asks every input the registry declares, with every kind it does not take", () => {
    expect(Object.keys(INVOKE).sort()).toEqual(Object.keys(COMMAND_INPUTS).sort());
    expect(rows.length).toBeGreaterThan(100);
  });

  it.each(rows.map((row, index) => ({ ...row, index })))("$name given a $kind", ({ name, kind, index }) => {
    const answer = answers[index] as Answer;
    const file = FILES[kind]();
    expect(answer.code, answer.err).toBe(1);
    expect(answer.out).toBe("");
    const lines = answer.err.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `error: ${file}: this is ${KINDS[kind].what}; \`edgesim ${name}\` takes ${describeInput(COMMAND_INPUTS[name])}; ${KINDS[kind].instead}`,
    );
  });
});
