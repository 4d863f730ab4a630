import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/progress.js";
import { ensureBuilt } from "../fixtures/cli.js";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the progress bar", () => {
  it("redraws at most every 100 ms of its clock, and at the end, however often it is told", () => {
    let t = 0;
    const drawn: string[] = [];
    const bar = progressBar((text) => drawn.push(text), { now: () => t });
    // 100,000 sites told every 64 sites over 10 s: 1,563 updates.
    for (let done = 64; done < 100_000; done += 64) {
      t = (done / 100_000) * 10_000;
      bar(done, 100_000, "site simulations");
    }
    bar(100_000, 100_000, "site simulations");
    expect(drawn.length).toBeGreaterThan(90);
    expect(drawn.length).toBeLessThanOrEqual(102);
    expect(drawn.at(-1)).toBe("\r\u001b[K[##############################] 100000/100000 site simulations");
  });

  it("shows the time left at the rate since the first update: start-up before any work does not count", () => {
    let t = 0;
    const drawn: string[] = [];
    const bar = progressBar((text) => drawn.push(text), { now: () => t });
    // 20 s of start-up, then 250 done: no rate yet.
    t = 20_000;
    bar(250, 1000, "trials");
    expect(drawn.at(-1)).toBe("\r\u001b[K[########......................] 250/1000 trials");
    t = 20_050;
    bar(260, 1000, "trials");
    expect(drawn).toHaveLength(1);
    // 250 more in 10 s: 500 left take 20 s (not the 40 s that counting the start-up would say).
    t = 30_000;
    bar(500, 1000, "trials");
    expect(drawn.at(-1)).toBe("\r\u001b[K[###############...............] 500/1000 trials, about 20s left");
  });

  it("goes by the later half of the run: a slow first stretch (threads warming up) fades out of the time left", () => {
    let t = 0;
    const drawn: string[] = [];
    const bar = progressBar((text) => drawn.push(text), { now: () => t });
    // 10 a second for 10 s, then 100 a second: at 2,100 of 5,000 (30 s), 2,900 left take 29 s at the
    // rate since 15 s; the rate since the start (about 70 a second) would say 42 s.
    for (let s = 0; s <= 30; s++) {
      t = s * 1000;
      bar(s <= 10 ? s * 10 : 100 + (s - 10) * 100, 5000, "site simulations");
    }
    expect(drawn.at(-1)).toBe(
      "\r\u001b[K[#############.................] 2100/5000 site simulations, about 29s left",
    );
  });
});

describe("edgesim fleet's bar in a terminal", () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "edgesim-progress-"));
  });

  /** Runs `edgesim ARGS > stdout.txt` under `script`: stderr (and stdin) is a terminal, stdout a file. */
  const inTerminal = (args: string) => {
    const out = join(dir, "stdout.txt");
    const typescript = join(dir, "terminal.txt");
    const command = `cd ${ROOT} && NO_COLOR=1 ${process.execPath} bin/edgesim.js ${args} > ${out}`;
    const r = spawnSync("script", ["-q", "-e", "-c", command, typescript], {
      encoding: "utf8",
      timeout: 120_000,
    });
    return {
      status: r.status,
      stdout: readFileSync(out, "utf8"),
      terminal: readFileSync(typescript, "utf8"),
    };
  };

  it("draws on stderr when stderr alone is a terminal, and clears itself; -q draws nothing", () => {
    const r = inTerminal("fleet scenarios/fleet-plans/regional-stores.yaml --trials 200 --threads 1");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^fleet {10}regional-stores$/m);
    expect(r.stdout).not.toContain("[#");
    expect(r.terminal).toMatch(/\[#+\.*\] \d+\/\d+ (trials|site simulations)/);
    expect(r.terminal).toContain("\r\u001b[K");
    const quiet = inTerminal("fleet scenarios/fleet-plans/regional-stores.yaml --trials 200 --threads 1 -q");
    expect(quiet.terminal).not.toContain("[#");
  });
});
