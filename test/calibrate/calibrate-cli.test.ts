import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * `edgesim calibrate` through the built CLI, on the bundled example history (scripts/gen-history.js,
 * known parameters in truth.json): ~2,000 samples per step, in all three formats.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const HISTORY = join(ROOT, "examples/history");
const truth = JSON.parse(readFileSync(join(HISTORY, "truth.json"), "utf8")) as {
  drain: { medianMs: number; p90Ms: number };
  reboot: { medianMs: number; p90Ms: number };
  failureRate: { reboot: number };
};
const historyFiles = readdirSync(HISTORY)
  .filter((f) => f.startsWith("prometheus-") || f === "events.ndjson" || f === "intervals.csv")
  .map((f) => join("examples/history", f));

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-calibrate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnEdgesim(args, { cwd: ROOT, timeoutMs: 120_000 });

describe("edgesim calibrate", () => {
  it("recovers the known medians (10 %), p90s (15 %) and failure rate (inside its interval)", () => {
    const r = run([
      "calibrate",
      ...historyFiles,
      "--rollouts",
      "examples/history/rollouts.yaml",
      "--inventory",
      "examples/history/inventory.csv",
      "--class-label",
      "hardware",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const step of ["drain", "reboot"] as const) {
      const fit = out.steps[step];
      expect(fit.n).toBeGreaterThanOrEqual(1900);
      expect(Math.abs(fit.medianMs / truth[step].medianMs - 1)).toBeLessThan(0.1);
      expect(Math.abs(fit.p90Ms / truth[step].p90Ms - 1)).toBeLessThan(0.15);
    }
    const interval = out.failureInterval.reboot;
    expect(interval.low).toBeLessThanOrEqual(truth.failureRate.reboot);
    expect(interval.high).toBeGreaterThanOrEqual(truth.failureRate.reboot);
    expect(out.failureRate.reboot).toBeCloseTo(interval.failures / interval.attempts, 4);
    expect(out.classes.map((c: { value: string; source: string }) => `${c.value}:${c.source}`)).toEqual([
      "nuc:class",
      "xeon:class",
    ]);
  });

  it("writes a timings file, says which classes use the pooled fit, and reports unmatched intervals", () => {
    const csv = join(dir, "few.csv");
    const lines = ["site,node,step,start,end,outcome,resolution"];
    for (let i = 0; i < 40; i++) {
      const start = Date.UTC(2026, 0, 1, 2, i * 5);
      const iso = (ms: number) => new Date(ms).toISOString();
      lines.push(`${i < 35 ? "a" : "b"},n1,reboot,${iso(start)},${iso(start + 300_000 + i * 1000)},ok,1s`);
    }
    lines.push(`a,n1,reboot,2026-03-01T00:00:00Z,2026-03-01T00:05:00Z,ok,1s`);
    writeFileSync(csv, `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "inv.csv"), "name,timeZone,labels\na,UTC,hw=big\nb,UTC,hw=small\n");
    writeFileSync(
      join(dir, "rollouts.yaml"),
      "rollouts:\n  - name: r1\n    sites: [a, b]\n    from: 2026-01-01T00:00Z\n    until: 2026-01-02T00:00Z\n    behavior: reboot\n",
    );
    const out = join(dir, "timings.yaml");
    const r = run([
      "calibrate",
      csv,
      "--rollouts",
      join(dir, "rollouts.yaml"),
      "--inventory",
      join(dir, "inv.csv"),
      "--class-label",
      "hw",
      "-o",
      out,
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^reboot\s+40\s+5m\d+s/m);
    expect(r.stdout).toMatch(/^ {2}big\s+own fit\s+1 site\b/m);
    expect(r.stdout).toMatch(
      /^ {2}small\s+pooled fit 1 site \(own samples: reboot n=5, fewer than 30\): reboot 5m\d+s/m,
    );
    expect(r.stdout).toContain("1 × intervals in no rollout's window; e.g. a/n1 reboot at 2026-03-01T00:00Z");
    const yaml = readFileSync(out, "utf8");
    expect(yaml).toMatch(/^ {2}reboot: \{ lognormal: \{ median: 5m\d+s, p90: 5m\d+s \} \}/m);
    expect(yaml).toContain("too few samples (fewer than 30 for some step): the pooled fit");
    expect(yaml).toMatch(/^failureRate:\n {2}reboot: 0 {2}# 0\/40 attempts/m);
  });

  it("reports a too-small sample with its count instead of fitting it", () => {
    const csv = join(dir, "tiny.csv");
    writeFileSync(csv, "site,node,step,start,end\na,n1,drain,2026-01-01T02:00:00Z,2026-01-01T02:01:00Z\n");
    writeFileSync(
      join(dir, "r.yaml"),
      "rollouts:\n  - name: r1\n    sites: [a]\n    from: 2026-01-01T00:00Z\n    until: 2026-01-02T00:00Z\n    behavior: reboot\n",
    );
    const r = run(["calibrate", csv, "--rollouts", join(dir, "r.yaml"), "--json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).steps.drain).toEqual({ n: 1, tooFew: true, behavior: "reboot" });
  });

  it("names the file and place of bad input, without a stack trace", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"status":"success","data":{"resultType":"vector","result":[]}}\n');
    const r = run(["calibrate", bad, "--rollouts", join(dir, "r.yaml")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.json:1:\d+: .*data\.resultType.*"vector"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const overlap = join(dir, "overlap.yaml");
    writeFileSync(
      overlap,
      "rollouts:\n  - name: r1\n    sites: [a]\n    from: 2026-01-01T00:00Z\n    until: 2026-01-02T00:00Z\n    behavior: reboot\n  - name: r2\n    sites: [a]\n    from: 2026-01-01T12:00Z\n    until: 2026-01-03T00:00Z\n    behavior: reboot\n",
    );
    const o = run(["calibrate", join(dir, "tiny.csv"), "--rollouts", overlap]);
    expect(o.status).toBe(1);
    expect(o.stderr).toMatch(/overlap\.yaml:\d+:\d+: .*overlaps rollout "r1"/);
    const noInventory = run([
      "calibrate",
      join(dir, "tiny.csv"),
      "--rollouts",
      overlap,
      "--class-label",
      "hw",
    ]);
    expect(noInventory.status).toBe(1);
    expect(noInventory.stderr).toContain("--class-label");
  });
});
