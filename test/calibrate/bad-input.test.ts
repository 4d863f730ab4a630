import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * The bad-input matrix of calibration: each case gives a clear message naming the file and the place
 * (line:col, or the JSON path and series labels, or the CSV row), or is reported with its count — never a
 * stack trace, never a fit of what cannot be fitted.
 */
const ROOT = resolve(import.meta.dirname, "../..");
let dir: string;
const run = (args: string[]) => spawnEdgesim(args, { cwd: dir, timeoutMs: 60_000 });
const ROLLOUTS =
  "rollouts:\n  - name: r1\n    sites: [a]\n    from: 2026-01-01T00:00Z\n    until: 2026-01-02T00:00Z\n    behavior: reboot\n";
const series = (values: [number, string][], labels: Record<string, string> = {}) =>
  JSON.stringify({
    status: "success",
    data: {
      resultType: "matrix",
      result: [
        {
          metric: {
            __name__: "kube_node_status_condition",
            cluster: "a",
            node: "n1",
            condition: "Ready",
            status: "true",
            ...labels,
          },
          values,
        },
      ],
    },
  });
const T0 = Date.UTC(2026, 0, 1, 2) / 1000;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-calibrate-bad-"));
  writeFileSync(join(dir, "r.yaml"), ROLLOUTS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refused(file: string, text: string, pattern: RegExp): void {
  writeFileSync(join(dir, file), text);
  const r = run(["calibrate", file, "--rollouts", "r.yaml"]);
  expect(r.status, r.stdout).toBe(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("bad history input", () => {
  it("a matrix with the wrong resultType", () => {
    refused(
      "vector.json",
      '{"status":"success","data":{"resultType":"vector","result":[]}}\n',
      /vector\.json:1:\d+: .*data\.resultType.*"vector"/,
    );
  });

  it("timestamps out of order: the JSON path and the series labels", () => {
    refused(
      "order.json",
      series([
        [T0, "1"],
        [T0 + 60, "1"],
        [T0 + 30, "0"],
      ]),
      /order\.json:1:\d+: data\.result\[0\]\.values\[2\]: .*node="n1".*not after the one before.*out of order/,
    );
  });

  it("non-finite values and timestamps", () => {
    refused(
      "nan.json",
      series([
        [T0, "1"],
        [T0 + 30, "NaN"],
      ]),
      /nan\.json:1:\d+: data\.result\[0\]\.values\[1\]: .*value "NaN" is not 0 or 1/,
    );
    refused(
      "inf.json",
      series([[T0, "+Inf"]]),
      /inf\.json:1:\d+: data\.result\[0\]\.values\[0\]: .*value "\+Inf" is not 0 or 1/,
    );
  });

  it("an event that ends before it begins, and an interval row that ends before it starts", () => {
    refused(
      "events.ndjson",
      `${JSON.stringify({
        cluster: "a",
        involvedObject: { kind: "Node", name: "n1" },
        reason: "NodeNotReady",
        count: 2,
        firstTimestamp: "2026-01-01T03:00:00Z",
        lastTimestamp: "2026-01-01T02:00:00Z",
      })}\n`,
      /events\.ndjson:1:1: .*lastTimestamp is before firstTimestamp/,
    );
    refused(
      "rows.csv",
      "site,node,step,start,end\na,n1,reboot,2026-01-01T02:10:00Z,2026-01-01T02:00:00Z\n",
      /rows\.csv:2:1: .*end.* is before .*start/,
    );
  });

  it("a node NotReady for a year is reported with its count and left out of the fit", () => {
    const year = 365 * 86_400;
    const values: [number, string][] = [
      [T0, "1"],
      [T0 + 30, "0"],
      [T0 + year, "0"],
      [T0 + year + 30, "1"],
    ];
    writeFileSync(join(dir, "dead.json"), series(values));
    writeFileSync(
      join(dir, "long.yaml"),
      "rollouts:\n  - name: r1\n    sites: [a]\n    from: 2026-01-01T00:00Z\n    until: 2027-01-03T00:00Z\n    behavior: reboot\n",
    );
    const r = run(["calibrate", "dead.json", "--rollouts", "long.yaml", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.reboot).toBeUndefined();
    expect(JSON.stringify(out.unmatched)).toMatch(/NotReady|cordon/);
  });

  it("a rollout window that overlaps another for the same site", () => {
    writeFileSync(
      join(dir, "ok.csv"),
      "site,node,step,start,end\na,n1,drain,2026-01-01T02:00:00Z,2026-01-01T02:01:00Z\n",
    );
    writeFileSync(
      join(dir, "overlap.yaml"),
      `${ROLLOUTS}  - name: r2\n    sites: [a]\n    from: 2026-01-01T12:00Z\n    until: 2026-01-03T00:00Z\n    behavior: reboot\n`,
    );
    const r = run(["calibrate", "ok.csv", "--rollouts", "overlap.yaml"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/overlap\.yaml:\d+:\d+: .*overlaps rollout "r1" \(rollouts\[0\]\) for site a/);
  });

  it("a class with no samples takes the pooled fit and says so; a small sample is counted, not fitted", () => {
    const lines = ["site,node,step,start,end"];
    for (let i = 0; i < 40; i++) {
      const start = Date.UTC(2026, 0, 1, 2, i * 5);
      lines.push(
        `a,n1,reboot,${new Date(start).toISOString()},${new Date(start + 300_000 + i * 1000).toISOString()}`,
      );
    }
    lines.push("a,n1,drain,2026-01-01T02:00:00Z,2026-01-01T02:01:00Z");
    writeFileSync(join(dir, "pool.csv"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "inv.csv"), "name,timeZone,labels\na,UTC,hw=big\nb,UTC,hw=empty\n");
    const r = run([
      "calibrate",
      "pool.csv",
      "--rollouts",
      "r.yaml",
      "--inventory",
      "inv.csv",
      "--class-label",
      "hw",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.steps.drain).toEqual({ n: 1, tooFew: true, behavior: "reboot" });
    const empty = out.classes.find((k: { value: string }) => k.value === "empty");
    expect(empty).toMatchObject({ source: "pooled", ownSamples: {} });
    const text = run([
      "calibrate",
      "pool.csv",
      "--rollouts",
      "r.yaml",
      "--inventory",
      "inv.csv",
      "--class-label",
      "hw",
    ]).stdout;
    expect(text).toMatch(/^ {2}empty\s+pooled fit 1 site \(own samples: none, fewer than 30\)/m);
    expect(text).toMatch(/^drain\s+1\s+too few samples \(fewer than 30\): not fitted/m);
  });

  it("a bad timings file is refused at its place, and nothing is half-written", () => {
    writeFileSync(
      join(dir, "t.yaml"),
      "timings:\n  reboot: { quantiles: { p10: 5m, p90: 1m } }\nfailureRate: { reboot: 2 }\n",
    );
    const r = spawnEdgesim(
      [
        "fleet",
        join(ROOT, "examples/history/fleet.yaml"),
        "--timings",
        join(dir, "t.yaml"),
        "--clusters-csv",
        join(dir, "out.csv"),
      ],
      { cwd: ROOT, timeoutMs: 60_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/t\.yaml:3:\d+: .*failureRate\.reboot/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => rmSync(join(dir, "out.csv"))).toThrow();
  });
});
