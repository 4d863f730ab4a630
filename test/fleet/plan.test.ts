import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { evaluatePlanExpectations } from "../../src/fleet/expectations.js";
import { loadFleetPlan } from "../../src/fleet/load.js";
import { runFleetPlan } from "../../src/fleet/run.js";
import { shareRegistry } from "../../src/fleet/schedule.js";
import { planProblems } from "./helpers.js";

const profiles = resolve("scenarios/profiles");
const dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-plan-"));
let n = 0;
function write(body: string, csv?: string): string {
  const file = join(dir, `plan-${++n}.yaml`);
  if (csv !== undefined) writeFileSync(join(dir, `sites-${n}.csv`), csv);
  writeFileSync(
    file,
    `name: t${n}\nupdate: ${profiles}/k3s-os-uri-change.yaml\nfrom: ${profiles}/k3s-base.yaml\n${body.replaceAll("SITES_CSV", `sites-${n}.csv`)}`,
  );
  return file;
}
const sites = `inventory:
  sites:
    - { name: a, timeZone: America/New_York, labels: { tier: canary } }
    - { name: b, timeZone: America/Chicago }
    - { name: c, timeZone: Europe/Berlin }
`;
const strategy = `strategy:
  waves:
    - { name: canary, select: { labels: { tier: canary } }, concurrency: 1 }
    - { name: rest, rest: true, concurrency: 2 }
`;

function problems(file: string): string[] {
  const message = planProblems(file);
  return message === "" ? [] : message.split("\n");
}

describe("bad fleet plans are refused before any simulation, at file:line:col", () => {
  it.each([
    [
      "an unknown time zone",
      sites.replace("Europe/Berlin", "Mars/Olympus"),
      strategy,
      /:8:28: inventory\.sites\[2\]\.timeZone: unknown time zone "Mars\/Olympus"/,
    ],
    [
      "a window that does not parse",
      `${sites}windows: { default: "Mon-Fri 1am-5am" }\n`,
      strategy,
      /:9:\d+: windows\.default: window "Mon-Fri 1am-5am" does not parse/,
    ],
    [
      "a wave that selects no site",
      sites,
      strategy.replace("tier: canary", "tier: gold"),
      /waves\[0\]: wave "canary" selects no site/,
    ],
    [
      "a site selected twice",
      sites,
      `${strategy}    - { name: again, select: { names: [a] }, concurrency: 1 }\n`,
      /waves\[2\]\.select: selects 1 site an earlier wave already has \(a is in wave "canary"\)/,
    ],
    [
      "a percentage above 100",
      sites,
      strategy.replace("rest: true", "percent: 140"),
      /waves\[1\]\.percent: a percentage between 0 and 100, got 140/,
    ],
    [
      "a failure budget above 100 %",
      sites,
      strategy.replace("concurrency: 2", "concurrency: 2, failureBudget: 120%"),
      /failureBudget: a percentage between 0 and 100/,
    ],
    [
      "a rate above 1",
      `${sites}faults: { nodeActionFailure: 1.5 }\n`,
      strategy,
      /faults\.nodeActionFailure: a probability between 0 and 1, got 1\.5/,
    ],
    [
      "a deadline before the start",
      `start: 2026-12-07T00:00Z\n${sites}`,
      strategy.replace("strategy:\n", "strategy:\n  deadline: 2026-12-01T00:00Z\n"),
      /strategy\.deadline: the deadline 2026-12-01T00:00Z is not after the start/,
    ],
  ])("%s", (_what, body, strat, pattern) => {
    const found = problems(write(`${body}${strat}`));
    expect(found.join("\n")).toMatch(pattern);
    expect(found[0]).toMatch(/plan-\d+\.yaml:\d+:\d+:/);
  });

  it("a CSV row missing a column: the CSV file, its line, the row and the column name", () => {
    const csv = "name,timeZone,shape\ns1,America/Chicago,1+3\ns2,America/Denver\n";
    const found = problems(
      write(
        "inventory: { csv: SITES_CSV }\nstrategy: { waves: [{ name: all, rest: true, concurrency: 1 }] }\n",
        csv,
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /sites-\d+\.csv:3:3: row 3, column shape: row 3 has 2 of 3 columns: missing shape$/,
      ),
    ]);
  });

  it("a CSV with an unknown zone names the row and column", () => {
    const csv = "name,timeZone\ns1,America/Chicago\ns2,Moon/Base\n";
    const found = problems(
      write(
        `inventory: { csv: SITES_CSV }\nstrategy: { waves: [{ name: all, rest: true, concurrency: 1 }] }\n`,
        csv,
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(/sites-\d+\.csv:3:2: row 3, column timeZone: unknown time zone "Moon\/Base"/),
    ]);
  });

  it("the CLI exits 1 with the message and prints nothing on stdout", async () => {
    const io = memoryIo();
    const code = await main(
      ["fleet", write(`${sites.replace("Europe/Berlin", "Nowhere")}${strategy}`), "--allow-outside"],
      io,
    );
    expect(code).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toMatch(/^error: .*plan-\d+\.yaml:\d+:\d+: .*unknown time zone "Nowhere"/);
  });
});

describe("registry sharing", () => {
  it("shares capacity max-min fairly, each flow capped by its link", () => {
    const flows = [
      { cap: 1e8, rate: 0 },
      { cap: 1e9, rate: 0 },
      { cap: 1e9, rate: 0 },
    ];
    shareRegistry(flows, 1e9);
    expect(flows.map((f) => f.rate)).toEqual([1e8, 4.5e8, 4.5e8]);
  });
});

describe("fleet rollouts", () => {
  it("sites' outcomes do not depend on inventory order (seeded by name)", () => {
    const body = `seed: 9\nfaults: { nodeActionFailure: 0.2 }\ninventory: { generate: { clusters: 12 } }\n`;
    const a = runFleetPlan(
      loadFleetPlan(write(`${body}strategy: { waves: [{ name: all, rest: true, concurrency: 4 }] }\n`)),
    );
    const b = runFleetPlan(
      loadFleetPlan(write(`${body}strategy: { waves: [{ name: all, rest: true, concurrency: 12 }] }\n`)),
    );
    const fates = (r: typeof a) =>
      r.plan.sites.map((site) => {
        const o = (r.strategies[0] as (typeof r.strategies)[number]).first.outcomes.get(site.index);
        return [o?.result, o?.durationMs];
      });
    expect(fates(a)).toEqual(fates(b));
    expect(fates(a).some(([result]) => result !== "converged")).toBe(true);
  });

  it("a failure budget halts the rollout in its wave and skips the rest", () => {
    const run = runFleetPlan(
      loadFleetPlan(
        write(
          `faults: { nodeActionFailure: 1 }\ninventory: { generate: { clusters: 6 } }\nstrategy: { waves: [{ name: first, count: 2, concurrency: 1, failureBudget: 0 }, { name: rest, rest: true, concurrency: 4 }] }\nexpect: { result: halted, haltedWave: first }\n`,
        ),
      ),
    );
    const trial = (run.strategies[0] as (typeof run.strategies)[number]).first;
    expect(trial.schedule.halted?.wave).toBe("first");
    expect(trial.schedule.placements.filter((p) => p.state === "skipped")).toHaveLength(5);
    expect(evaluatePlanExpectations(run).every((e) => e.passed)).toBe(true);
  });

  it("the same file and seed give the same JSON, and --json has the contract's summary", async () => {
    const file = write(`${sites}${strategy}windows: { default: "daily 01:00-05:00" }\n`);
    const one = memoryIo();
    const two = memoryIo();
    // The plan names the bundled profiles by absolute path, outside its own folder.
    expect(await main(["fleet", file, "--json", "--allow-outside"], one)).toBe(0);
    await main(["fleet", file, "--json", "--allow-outside"], two);
    expect(one.out).toBe(two.out);
    const summary = JSON.parse(one.out).summary;
    expect(summary).toMatchObject({ clusters: 3, nodes: 12, result: "converged" });
    expect(summary.durationMs).toBeGreaterThan(0);
  });

  it("every site starts inside its own night's window, in its own zone", () => {
    const run = runFleetPlan(
      loadFleetPlan(write(`${sites}${strategy}windows: { default: "daily 01:00-05:00" }\n`)),
    );
    const trial = (run.strategies[0] as (typeof run.strategies)[number]).first;
    for (const site of run.plan.sites) {
      const p = trial.schedule.placements[site.index] as (typeof trial.schedule.placements)[number];
      expect(p.state).toBe("rolled");
      if (p.state !== "rolled") continue;
      const hour = Number(
        new Intl.DateTimeFormat("en-GB", {
          timeZone: site.timeZone,
          hour: "2-digit",
          hourCycle: "h23",
        }).format(p.startMs),
      );
      expect(hour).toBeGreaterThanOrEqual(1);
      expect(hour).toBeLessThan(5);
      expect(p.overran).toBe(false);
    }
  });

  it("what-if: --clusters N --update PROFILE", async () => {
    const io = memoryIo();
    const code = await main(
      ["fleet", "--clusters", "20", "--update", "scenarios/profiles/k3s-stage-boot-change.yaml", "--json"],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.out).summary).toMatchObject({
      clusters: 20,
      nodes: 80,
      result: "converged",
      behavior: "reboot",
    });
  });
});
