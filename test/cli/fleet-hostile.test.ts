import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/**
 * Hostile fleet-plan inputs through the built CLI: each is refused with exit 1 at its file and place,
 * or gives the right answer. The plan is written into a temporary folder beside a copy of the bundled
 * profiles, so the reference root holds without --allow-outside.
 */
const PROFILES = resolve(import.meta.dirname, "../../scenarios/profiles");
let dir = "";

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-hostile-"));
  cpSync(PROFILES, join(dir, "profiles"), { recursive: true });
});

const BASE = {
  seed: "seed: 5",
  window: '"Sun-Thu 22:00-04:00"',
  image: "{ sizeGiB: 3 }",
  registry: "{ gbps: 1 }",
  inventory: "{ csv: stores.csv }",
};

function plan(over: Partial<typeof BASE> = {}): string {
  const p = { ...BASE, ...over };
  return [
    "name: hostile",
    p.seed,
    "start: 2026-12-07T00:00Z",
    "update: profiles/k3s-os-uri-change.yaml",
    "from: profiles/k3s-base.yaml",
    `inventory: ${p.inventory}`,
    `windows: { default: ${p.window} }`,
    `image: ${p.image}`,
    `registry: ${p.registry}`,
    "strategy: { waves: [{ name: all, rest: true, concurrency: 2 }] }",
    "",
  ].join("\n");
}

const STORES = "name,timeZone\nstore-1,America/Chicago\nstore-2,america/chicago\n";

function fleet(text: string, csv = STORES, args: string[] = []) {
  const file = join(dir, "plan.yaml");
  writeFileSync(file, text);
  writeFileSync(join(dir, "stores.csv"), csv);
  const r = spawnEdgesim(["fleet", "plan.yaml", "-q", ...args], { cwd: dir, timeoutMs: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("edgesim fleet: hostile plans are refused at their place", () => {
  it.each([
    ["seed: 4294967297", "plan.yaml:2:7: seed: expected a whole number from 0 to 4294967295"],
    ["seed: -1", "plan.yaml:2:7: seed: expected a whole number from 0 to 4294967295"],
  ])("%s is out of range, not aliased", (seed, message) => {
    const r = fleet(plan({ seed }));
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
  });

  it.each([
    ['"Sunshine 22:00-04:00"', '"sunshine" is not a day'],
    ['"Monkey-Frizzle 22:00-04:00"', '"monkey-frizzle" is not a day'],
    ['"daily 24:00-04:00"', "24:00 only as an end"],
  ])("window %s is refused", (window, message) => {
    const r = fleet(plan({ window }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/plan\.yaml:7:\d+: windows\.default: /);
    expect(r.err).toContain(message);
  });

  it("a full day name (Sunday-Thursday) means the same as Sun-Thu", () => {
    const short = fleet(plan());
    const full = fleet(plan({ window: '"Sunday-Thursday 22:00-04:00"' }));
    expect(short.code).toBe(0);
    expect(full.out).toBe(short.out.replace("Sun-Thu", "Sunday-Thursday"));
  });

  it("an image no link can download within a year is refused at the place that makes it so", () => {
    const big = fleet(plan({ image: "{ sizeGiB: 1e300 }" }));
    expect(big.code).toBe(1);
    expect(big.err).toContain(
      'plan.yaml:8:19: image.sizeGiB: downloading the 1e+300 GiB image over 100 Mbps takes more than a year (site "store-1")',
    );
    expect(big.err).not.toContain('(site "store-2")');
    expect(big.err).toContain("plan.yaml:9:19: registry.gbps: serving the 1e+300 GiB image at 1 Gbps");
    const slowRegistry = fleet(plan({ registry: "{ gbps: 1e-300 }" }));
    expect(slowRegistry.code).toBe(1);
    expect(slowRegistry.err).toContain(
      "registry.gbps: serving the 3 GiB image at 1e-300 Gbps takes more than a year",
    );
    const slowLink = fleet(plan(), "name,timeZone,linkMbps\nstore-1,UTC,1e-300\n");
    expect(slowLink.code).toBe(1);
    expect(slowLink.err).toContain(
      'stores.csv:2:3: row 2, column linkMbps: downloading the 3 GiB image over 1e-300 Mbps takes more than a year (site "store-1")',
    );
    expect(slowLink.err).not.toContain("Invalid time value");
  });

  it("a header-only CSV inventory is refused like an empty list", () => {
    const r = fleet(plan(), "name,timeZone\n");
    expect(r.code).toBe(1);
    expect(r.err).toContain("stores.csv:1:1: the inventory has no sites");
  });

  it("an invalid byte in the CSV is placed in the CSV, not at the plan's line", () => {
    const file = join(dir, "plan.yaml");
    writeFileSync(file, plan());
    writeFileSync(join(dir, "stores.csv"), Buffer.from("name,timeZone\nstore-\xff,UTC\n", "latin1"));
    const r = spawnEdgesim(["fleet", "plan.yaml", "-q"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stores\.csv:2:\d+/);
    expect(r.stderr).not.toContain("plan.yaml:6");
  });

  it("a site name with a terminal escape or a line break is refused, never printed raw", () => {
    const r = fleet(plan(), 'name,timeZone\n"evil\u001b[2J",UTC\n"two\nlines",UTC\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'stores.csv:2:1: row 2, column name: site name "evil\\u001b[2J" has a control character',
    );
    expect(r.err).toContain('site name "two\\nlines" has a control character');
    expect(r.err + r.out).not.toContain("\u001b");
  });

  it("--trials, --threads and --clusters are bounded like the file's fields", () => {
    const trials = fleet(plan(), STORES, ["--trials", "1000000000"]);
    expect(trials.code).toBe(1);
    expect(trials.err).toContain("expected a whole number from 1 to 10000");
    const threads = fleet(plan(), STORES, ["--threads", "100000"]);
    expect(threads.code).toBe(1);
    expect(threads.err).toContain("expected a whole number from 1 to 1024");
  });
});

describe("edgesim fleet: hostile plans that have a right answer", () => {
  it("america/chicago and America/Chicago are one zone", () => {
    const r = fleet(plan(), STORES, ["--json"]);
    expect(r.code).toBe(0);
    const json = JSON.stringify(JSON.parse(r.out));
    expect(json).not.toContain("america/chicago");
    const text = fleet(plan());
    expect(text.out).not.toContain("america/chicago");
  });

  it("--clusters-csv escapes cells a spreadsheet would run as formulas", () => {
    const csv = "name,timeZone\n=HYPERLINK(1),UTC\n+1,UTC\n-2,UTC\n@SUM(1),UTC\nplain,UTC\n";
    const r = fleet(plan({ window: "always" }), csv, ["--clusters-csv", "out.csv"]);
    expect(r.code).toBe(0);
    const rows = readFileSync(join(dir, "out.csv"), "utf8").trimEnd().split("\n");
    const names = rows
      .slice(1)
      .map((row) => row.slice(0, row.indexOf(",", row.startsWith('"') ? row.indexOf('"', 1) : 0)));
    expect(names.sort()).toEqual(['"\'+1"', '"\'-2"', '"\'=HYPERLINK(1)"', '"\'@SUM(1)"', "plain"].sort());
  });

  it("generate: without shapes uses the file's cluster.shape", () => {
    const text = plan({ inventory: "{ generate: { clusters: 3 } }", window: "always" }).replace(
      "strategy:",
      'cluster: { shape: "3+0" }\nstrategy:',
    );
    const r = fleet(text, STORES, ["--clusters-csv", "gen.csv"]);
    expect(r.code).toBe(0);
    const csv = readFileSync(join(dir, "gen.csv"), "utf8");
    const rows = csv.trimEnd().split("\n");
    const nodes = rows[0]?.split(",").indexOf("nodes") ?? -1;
    // 3+0 is three nodes a site (the default 1+3 would be four).
    expect(rows.slice(1).map((row) => row.split(",")[nodes])).toEqual(["3", "3", "3"]);
  });

  it("--shape on a what-if sets every generated site's shape", () => {
    const r = spawnEdgesim(
      ["fleet", "--clusters", "10", "--update", "profiles/k3s-os-uri-change.yaml", "--shape", "3+0", "-q"],
      { cwd: dir, timeoutMs: 60_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sites\s+10 \(30 nodes,/m);
  });
});
