import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { evaluatePlanExpectations } from "../../src/fleet/expectations.js";
import { loadFleetPlan } from "../../src/fleet/load.js";
import { runFleetPlan } from "../../src/fleet/run.js";
import { planProblems } from "./helpers.js";

const root = resolve(".");
const plans = join(root, "scenarios/fleet-plans");
const versions = join(plans, "template-profiles");
const dir = mkdtempSync(join(tmpdir(), "edgesim-template-"));
let n = 0;

function write(body: string): string {
  const file = join(dir, `template-${++n}.yaml`);
  writeFileSync(file, `name: t${n}\nstart: 2026-12-07T00:00Z\nfrom: ${versions}/retail-1.0.0.yaml\n${body}`);
  return file;
}

const SITES = `inventory:
  sites:
    - { name: a, timeZone: America/Los_Angeles }
    - { name: b, timeZone: America/New_York }
`;
const TEMPLATE = `strategy:
  palette:
    policy: { schedules: [weekly], windowHours: 4 }
    versions:
      - { at: 2026-12-08T10:00Z, profile: ${versions}/retail-2.0.0.yaml }
      - { at: 2026-12-09T10:00Z, profile: ${versions}/retail-3.0.0.yaml }
    upgradeNow: [2026-12-10T12:00Z]
`;

const problems = planProblems;

function run(file: string) {
  const result = runFleetPlan(loadFleetPlan(file));
  return { result, expectations: evaluatePlanExpectations(result) };
}

describe("the documentation's four scenarios, bundled, hold as the maintenance-policy page says", () => {
  it("single profile update: every cluster upgraded to 2.0.0 in the next window", () => {
    const { result, expectations } = run(join(plans, "template-single-update.yaml"));
    expect(expectations.every((e) => e.passed)).toBe(true);
    const t = result.strategies[0]?.first.template?.schedule;
    expect(t?.sessions).toHaveLength(1);
    expect(new Date(t?.sessions[0]?.openMs ?? 0).toISOString()).toBe("2026-12-13T00:00:00.000Z");
    expect(t?.rollouts).toHaveLength(1000);
    expect(t?.finalVersion.every((v) => v === 1)).toBe(true);
  });

  it("two updates before a window: 2.0.0 is skipped, every cluster goes from 1.0.0 straight to 3.0.0", () => {
    const { result, expectations } = run(join(plans, "template-two-updates-before-window.yaml"));
    expect(expectations.every((e) => e.passed)).toBe(true);
    const t = result.strategies[0]?.first.template?.schedule;
    expect(t?.versions.map((v) => v.state)).toEqual(["initial", "skipped", "applied"]);
    expect(t?.rollouts.every((r) => r.from === 0 && r.to === 2)).toBe(true);
    // The rollouts are real simulations of the 1.0.0 → 3.0.0 plan: a Kubernetes upgrade repaves.
    expect(new Set(result.strategies[0]?.first.template?.outcomes.map((o) => o.behavior))).toEqual(
      new Set(["repave"]),
    );
  });

  it("an update during a rollout waits for every cluster on 2.0.0, then rolls in the next window from 2.0.0", () => {
    const { result, expectations } = run(join(plans, "template-update-during-rollout.yaml"));
    expect(expectations.every((e) => e.passed)).toBe(true);
    const t = result.strategies[0]?.first.template?.schedule;
    const to3 = t?.rollouts.filter((r) => r.to === 2) ?? [];
    expect(to3).toHaveLength(1000);
    expect(to3.every((r) => r.from === 1)).toBe(true);
    expect(Math.min(...to3.map((r) => r.startMs))).toBe(Date.parse("2026-12-20T00:00Z"));
    // 3.0.0 was published mid-rollout, while sites were still on 1.0.0.
    const published = t?.versions[2]?.atMs ?? 0;
    expect(t?.rollouts.some((r) => r.to === 1 && r.startMs > published)).toBe(true);
  });

  it("a window too short: partially applied, later versions blocked, the next window finishes and unblocks", () => {
    const { result, expectations } = run(join(plans, "template-window-too-short.yaml"));
    expect(expectations.every((e) => e.passed)).toBe(true);
    const t = result.strategies[0]?.first.template?.schedule;
    const v2 = t?.versions[1];
    expect(v2?.partial[0]).toEqual({
      fromMs: Date.parse("2026-12-13T01:00Z"),
      untilMs: Date.parse("2026-12-20T00:00Z"),
    });
    // No cluster started after the window closed; every one started that day finished on 2.0.0.
    const first = t?.rollouts.filter((r) => r.session === 0) ?? [];
    expect(first.every((r) => r.startMs < Date.parse("2026-12-13T01:00Z"))).toBe(true);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(1000);
    // 3.0.0, published while partially applied, was not picked up until 2.0.0 was everywhere.
    expect(t?.versions[2]?.pickedAtMs).toBeGreaterThan(v2?.everywhereAtMs ?? Number.POSITIVE_INFINITY);
  });

  it("expectations fail when the documented result does not hold", () => {
    const file = write(
      `${SITES}${TEMPLATE.replace("    upgradeNow: [2026-12-10T12:00Z]\n", "")}expect:\n  skippedVersions: []\n  windowsToApply: { version: "3.0.0", max: 0 }\n`,
    );
    const { expectations } = run(file);
    expect(expectations.map((e) => [e.name, e.passed])).toEqual([
      ["windowsToApply", false],
      ["skippedVersions", false],
    ]);
  });
});

describe("Upgrade now and variables", () => {
  it("Upgrade now rolls the latest version at once, outside the schedule", () => {
    const { result } = run(write(`${SITES}${TEMPLATE}`));
    const t = result.strategies[0]?.first.template?.schedule;
    expect(t?.sessions[0]).toMatchObject({ kind: "upgrade-now", action: "rolls", started: 2 });
    expect(t?.versions[1]?.state).toBe("skipped");
    expect(t?.versions[2]?.pickedAtMs).toBe(Date.parse("2026-12-10T12:00Z"));
  });

  it("a version using a variable a site has no value for never rolls; a site's own value unblocks it", () => {
    const withVar = join(dir, "retail-4.0.0.yaml");
    writeFileSync(
      withVar,
      readFileSync(join(versions, "retail-3.0.0.yaml"), "utf8")
        .replace('name: "3.0.0"', 'name: "4.0.0"')
        .replace(
          "NTP={{ .spectro.var.ntpServer }}",
          "NTP={{ .spectro.var.ntpServer }} {{ .spectro.var.backupNtp }}",
        ),
    );
    const body = (sites: string) =>
      `${sites}strategy:\n  palette:\n    policy: { schedules: [weekly], windowHours: 4 }\n    versions:\n      - { at: 2026-12-08T10:00Z, profile: ${withVar} }\n`;
    const blocked = run(write(body(SITES))).result.strategies[0]?.first;
    expect(blocked?.result).toBe("blocked");
    expect(blocked?.template?.schedule.versions[1]).toMatchObject({ state: "blocked" });
    expect(blocked?.template?.schedule.versions[1]?.blockedBy).toMatch(/backupNtp is not Assigned at 2 site/);
    const assigned = SITES.replaceAll(
      "timeZone: America/Los_Angeles",
      "timeZone: America/Los_Angeles, variables: { backupNtp: ntp2 }",
    ).replaceAll("timeZone: America/New_York", "timeZone: America/New_York, variables: { backupNtp: ntp3 }");
    const rolled = run(write(body(assigned))).result.strategies[0]?.first;
    expect(rolled?.result).toBe("converged");
  });
});

describe("bad template input is refused at file:line:col before any simulation", () => {
  it.each([
    [
      "a schedule that does not parse",
      TEMPLATE.replace("[weekly]", '["0 25 * * *"]'),
      /:\d+:\d+: strategy\.palette\.policy\.schedules\[0\]: schedule "0 25 \* \* \*" does not parse/,
    ],
    [
      "a schedule with six fields",
      TEMPLATE.replace("[weekly]", '["0 0 * * 0 1"]'),
      /schedules\[0\]: schedule "0 0 \* \* 0 1" does not parse: expected five cron fields/,
    ],
    [
      "a window of 0 h",
      TEMPLATE.replace("windowHours: 4", "windowHours: 0"),
      /:\d+:\d+: strategy\.palette\.policy\.windowHours: an upgrade window lasts 1 to 24 whole hours/,
    ],
    [
      "a window of 25 h",
      TEMPLATE.replace("windowHours: 4", "windowHours: 25"),
      /windowHours: an upgrade window lasts 1 to 24 whole hours.*got 25/,
    ],
    [
      "versions out of order",
      TEMPLATE.replace("2026-12-09T10:00Z", "2026-12-01T10:00Z"),
      /:\d+:\d+: strategy\.palette\.versions\[1\]\.at: published 2026-12-01T10:00Z, before the version above it/,
    ],
    [
      "two versions at the same instant",
      TEMPLATE.replace("2026-12-09T10:00Z", "2026-12-08T10:00Z"),
      /versions\[1\]\.at: published at the same instant as the version above it/,
    ],
    [
      "Upgrade now before the first version",
      TEMPLATE.replace("2026-12-10T12:00Z", "2026-12-07T12:00Z"),
      /:\d+:\d+: strategy\.palette\.upgradeNow\[0\]: Upgrade now at 2026-12-07T12:00Z is before the first version/,
    ],
  ])("%s", async (_what, strategy, pattern) => {
    const file = write(`${SITES}${strategy}`);
    expect(problems(file)).toMatch(pattern);
    const io = memoryIo();
    expect(await main(["fleet", file], io)).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toContain(file);
  });

  it("a variable no profile declares, at the site's key", () => {
    const file = write(
      `${SITES.replace("timeZone: America/New_York", "timeZone: America/New_York, variables: { ntpSevrer: x }")}${TEMPLATE}`,
    );
    expect(problems(file)).toMatch(
      /:7:\d+: inventory\.sites\[1\]\.variables\.ntpSevrer: site b: no profile declares a variable "ntpSevrer"/,
    );
  });
});

// Through the built CLI (npm test builds first): worker threads and shards load dist/.
const exec = promisify(execFile);
// The plan is written to a temporary folder and names the bundled profiles: outside its root, so allowed.
const edgesim = (args: string[]) =>
  exec(process.execPath, ["bin/edgesim.js", ...args, "--allow-outside"], {
    cwd: root,
    maxBuffer: 64 << 20,
  }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; code?: number }) => {
      if (error.code !== 4) throw error;
      return error.stdout ?? "";
    },
  );

describe("the same bytes whatever the thread or shard count (a template beside waves)", () => {
  const file = write(`seed: 7
update: ${versions}/retail-3.0.0.yaml
inventory: { generate: { clusters: 300, shapes: ["1+1"] } }
windows: { default: "daily 01:00-05:00" }
faults: { nodeActionFailure: 0.01 }
strategies:
  template:
    palette:
      policy: { schedules: ["0 20 * * 3", monthly], windowHours: 2 }
      concurrency: 150
      versions:
        - { at: 2026-12-08T10:00Z, profile: ${versions}/retail-2.0.0.yaml }
        - { at: 2026-12-20T10:00Z, profile: ${versions}/retail-3.0.0.yaml }
  waves:
    waves: [{ name: all, rest: true, concurrency: 100 }]
`);

  it("--json, the per-site CSV: 1 thread, 2 threads, 3 shards merged", async () => {
    const csv = (tag: string) => join(dir, `sites-${tag}.csv`);
    const one = await edgesim(["fleet", file, "--json", "--threads", "1", "--clusters-csv", csv("1")]);
    const two = await edgesim(["fleet", file, "--json", "--threads", "2", "--clusters-csv", csv("2")]);
    expect(two).toBe(one);
    expect(readFileSync(csv("2"), "utf8")).toBe(readFileSync(csv("1"), "utf8"));
    for (const i of [0, 1, 2])
      await edgesim(["fleet", file, "--shard", `${i}/3`, "--out", join(dir, "parts")]);
    const merged = await edgesim([
      "fleet",
      "merge",
      file,
      join(dir, "parts"),
      "--json",
      "--clusters-csv",
      csv("merged"),
    ]);
    expect(merged).toBe(one);
    expect(readFileSync(csv("merged"), "utf8")).toBe(readFileSync(csv("1"), "utf8"));
    const json = JSON.parse(one);
    const template = json.strategies[0].template;
    expect(template.versions.map((v: { name: string }) => v.name)).toEqual(["1.0.0", "2.0.0", "3.0.0"]);
    expect(json.strategies[0].localTime.zones.length).toBeGreaterThan(0);
    expect(json.strategies[1].localTime.total.businessNodeHours).toBeGreaterThanOrEqual(0);
    // Each site's version history, in the CSV's last column.
    const rows = readFileSync(csv("1"), "utf8").trimEnd().split("\n");
    expect(rows[0]?.endsWith(",versions")).toBe(true);
    expect(
      rows
        .filter((r) => r.includes(",template,"))
        .some((r) => /1\.0\.0; 2\.0\.0@2026-12-\d\dT\d\d:\d\dZ; 3\.0\.0@/.test(r)),
    ).toBe(true);
  }, 120_000);
});
