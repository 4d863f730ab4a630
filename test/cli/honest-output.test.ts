import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { partFileIn } from "../../src/fleet/part-out.js";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/** Outputs that must not mislead a reader, through the built CLI. */
const ROOT = resolve(import.meta.dirname, "../..");
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-honest-"));
});

describe("plan of an unsupported change", () => {
  it("does not print `No changes.` above the unsupported change", () => {
    const r = spawnEdgesim(
      ["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-cni-switch.yaml"],
      { cwd: ROOT, timeoutMs: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).not.toContain("No changes.");
    expect(r.stdout).toMatch(/No other changes: only the unsupported change below\.\n\nUnsupported \(1\):/);
  });

  it("a plan with nothing at all still says `No changes.`", () => {
    const r = spawnEdgesim(["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-base.yaml"], {
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });
});

describe("a blocked scenario's duration", () => {
  it("runs to the last thing a node did, not 0s, when nodes rebooted before Kubernetes went down", () => {
    const story = readFileSync(join(ROOT, "scenarios/story-kubernetes-down-mid-rollout.yaml"), "utf8")
      .replace("  - { at: 40m, kubernetes: up }\n", "")
      .replace(/expect:[\s\S]*$/, "expect:\n  result: blocked\n")
      .replaceAll("profiles/", `${join(ROOT, "scenarios/profiles")}/`);
    const file = join(dir, "blocked.yaml");
    writeFileSync(file, story);
    const r = spawnEdgesim(["run", file, "--allow-outside"], { cwd: dir, timeoutMs: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^result\s+blocked$/m);
    // The update came at 1m; cp-2's reboot ended at 11m14s, after Kubernetes went down at 8m: it waits to
    // rejoin (it reports Ready through the API server), and that is the last thing a node did.
    expect(r.stdout).toMatch(/^00:11:14\.580\s+cp-2\s+node-rejoin-waiting/m);
    expect(r.stdout).not.toMatch(/\bcp-2\s+node-rejoined/);
    expect(r.stdout).toMatch(/^duration\s+10m15s$/m);
  });
});

const fleet = (args: string[], cwd = ROOT) => spawnEdgesim(["fleet", ...args], { cwd, timeoutMs: 120_000 });

describe("fleet text that does not mislead", () => {
  it("compare counts sites per strategy and never shows the horizon as a duration", () => {
    const r = fleet(["scenarios/fleet-plans/pull-storm.yaml", "-q"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/323h/);
    expect(r.stdout).toMatch(/^duration\s+none: no site rolled within the 336h horizon/m);
    const compare = r.stdout.slice(r.stdout.indexOf("\ncompare\n"));
    expect(compare).toMatch(/^ {2}strategy\s+conv\s+fail\s+block\s+no window\s+p50\s+p90\s/m);
    expect(compare).toMatch(/^ {2}narrow\s+120\s+0\s+0\s+0\s+58h51m34s\s+58h51m34s\s/m);
    expect(compare).toMatch(/^ {2}wide\s+0\s+0\s+0\s+120\s+-\s+-\s/m);
    expect(compare).toContain("no site rolled before the horizon, so there is no duration");
  });

  it("a missed deadline says why (a site never rolled); the risk table is aligned; node-hours keep a decimal", () => {
    const r = fleet(["scenarios/fleet-plans/regional-stores.yaml", "-q", "--trials", "50"]);
    expect(r.stdout).toMatch(/deadline 2026-12-20 00:00Z missed: 1 site never rolled \(no window\)$/m);
    const risk = r.stdout.slice(r.stdout.indexOf("  risk over 50 trials")).split("\n").slice(0, 6);
    // Right-aligned columns: every row's p50, p90 and p99 end where the header's do.
    const ends = (line: string) =>
      [...line.matchAll(/\S+(?= {2}|$)/g)].map((m) => (m.index ?? 0) + m[0].length);
    const header = ends(risk[0] as string).slice(-3);
    for (const row of risk.slice(1)) expect(ends(row).slice(-3), row).toEqual(header);
    expect(r.stdout).toMatch(/node-hours disrupted \d\.\d$/m);
  });

  it("one site of one node: singular words, no windows said as none, the default start said as such", () => {
    writeFileSync(join(dir, "one.csv"), "name,shape,timeZone\nsolo,1+0,America/Chicago\n");
    writeFileSync(
      join(dir, "one.yaml"),
      [
        "name: one",
        `update: ${join(ROOT, "scenarios/profiles/k3s-os-uri-change.yaml")}`,
        `from: ${join(ROOT, "scenarios/profiles/k3s-base.yaml")}`,
        "inventory: { csv: one.csv }",
        "strategy: { waves: [{ name: all, rest: true, concurrency: 1 }] }",
        "",
      ].join("\n"),
    );
    const r = fleet(["one.yaml", "--allow-outside", "-q"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^sites {10}1 \(1 node, 1 time zone\)$/m);
    expect(r.stdout).toMatch(
      /^start {10}2026-12-07 00:00Z \(the default: set start: in the plan, or --start\) {3}windows: none \(sites roll at any time\)$/m,
    );
    const json = JSON.parse(fleet(["one.yaml", "--allow-outside", "--json"], dir).stdout);
    expect(json.summary).toMatchObject({ start: "2026-12-07T00:00:00.000Z", startFrom: "default" });
    const given = JSON.parse(
      fleet(["one.yaml", "--allow-outside", "--json", "--start", "2027-01-04T02:00Z"], dir).stdout,
    );
    expect(given.summary).toMatchObject({ start: "2027-01-04T02:00:00.000Z", startFrom: "option" });
    const plain = fleet(["one.yaml", "--allow-outside", "-q", "--start", "2027-01-04T02:00Z"], dir);
    expect(plain.stdout).toMatch(/^start {10}2027-01-04 02:00Z {3}windows/m);
  });

  it("a what-if without windows does not say `windows: fits`", () => {
    const r = fleet(["--clusters", "2", "--update", "scenarios/profiles/k3s-os-uri-change.yaml", "-q"]);
    expect(r.stdout).toMatch(/windows: none \(sites roll at any time\)$/m);
    expect(r.stdout).not.toContain("windows: fits");
  });

  it("local times carry the zone's abbreviation where one exists, else the UTC offset", () => {
    writeFileSync(
      join(dir, "zones.csv"),
      [
        "name,shape,timeZone",
        "tokyo,1+0,Asia/Tokyo",
        "berlin,1+0,Europe/Berlin",
        "chicago,1+0,America/Chicago",
        "kathmandu,1+0,Asia/Kathmandu",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "zones.yaml"),
      [
        "name: zones",
        "start: 2026-12-07T00:00Z",
        `update: ${join(ROOT, "scenarios/profiles/k3s-os-uri-change.yaml")}`,
        `from: ${join(ROOT, "scenarios/profiles/k3s-base.yaml")}`,
        "inventory: { csv: zones.csv }",
        'windows: { default: "daily 01:00-05:00" }',
        "strategy: { waves: [{ name: all, rest: true, concurrency: 4 }] }",
        "",
      ].join("\n"),
    );
    const r = fleet(["zones.yaml", "--allow-outside", "-q", "--clusters-csv", "zones-out.csv"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^ {4}Asia\/Tokyo\s+1\s+2026-12-08 01:00 JST\s/m);
    expect(r.stdout).toMatch(/^ {4}Europe\/Berlin\s+1\s+2026-12-07 01:00 CET\s/m);
    expect(r.stdout).toMatch(/^ {4}America\/Chicago\s+1\s+2026-12-07 01:00 CST\s/m);
    expect(r.stdout).toMatch(/^ {4}Asia\/Kathmandu\s+1\s+2026-12-0\d 01:00 UTC\+5:45\s/m);
    expect(r.stdout).not.toMatch(/GMT[+-]/);
    const csv = readFileSync(join(dir, "zones-out.csv"), "utf8");
    expect(csv).toMatch(/^tokyo,.*,2026-12-08 01:00 JST,/m);
  });
});

describe("shard parts", () => {
  const plan = join(ROOT, "scenarios/fleet-plans/regional-stores.yaml");
  const shard = (i: number, out: string) => fleet([plan, "--shard", `${i}/2`, "--out", out]);

  it("--out is a folder, created when missing (with or without a slash)", () => {
    const r = shard(0, join(dir, "parts"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, "parts", "part-0-of-2.part"), "utf8")).toMatch(/^\{/);
    const slash = shard(1, `${join(dir, "newdir")}/`);
    expect(slash.status).toBe(0);
    expect(readFileSync(join(dir, "newdir", "part-1-of-2.part"), "utf8")).toMatch(/^\{/);
  });

  it("a file named by --out is refused", () => {
    writeFileSync(join(dir, "a-file"), "keep me");
    const r = shard(0, join(dir, "a-file"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--out: is a file, not a folder");
    expect(readFileSync(join(dir, "a-file"), "utf8")).toBe("keep me");
  });

  it("a part is created exclusively: a second shard with the same index never replaces it", () => {
    const out = join(dir, "twice");
    expect(shard(0, out).status).toBe(0);
    const first = readFileSync(join(out, "part-0-of-2.part"));
    const again = shard(0, out);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/part-0-of-2\.part.*--out: the part already exists/);
    expect(readFileSync(join(out, "part-0-of-2.part")).equals(first)).toBe(true);
    // Refused where the part's place is found, before the shard simulates anything.
    expect(() => partFileIn(out, { index: 0, count: 2 })).toThrow(/--out: the part already exists/);
    expect(partFileIn(out, { index: 1, count: 2 })).toBe(join(out, "part-1-of-2.part"));
  });
});

describe("counts with their noun: never `1 nodes` or `1 sites`", () => {
  it("run: a maxUnavailable expectation says `1 node`, passed and failed", () => {
    const story = readFileSync(join(ROOT, "scenarios/story-single-control-plane.yaml"), "utf8").replaceAll(
      "profiles/",
      `${join(ROOT, "scenarios/profiles")}/`,
    );
    const passed = join(dir, "one-node.yaml");
    writeFileSync(passed, story);
    const ok = spawnEdgesim(["run", passed, "--quiet", "--allow-outside"], { cwd: dir, timeoutMs: 30_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("✓ maxUnavailable: at most 1 node unavailable at once (limit 1)\n");
    const failed = join(dir, "one-node-limit-0.yaml");
    writeFileSync(failed, story.replace("maxUnavailable: 1", "maxUnavailable: 0"));
    const bad = spawnEdgesim(["run", failed, "--quiet", "--allow-outside"], { cwd: dir, timeoutMs: 30_000 });
    expect(bad.status).toBe(4);
    expect(bad.stdout).toMatch(/✗ maxUnavailable: 1 node unavailable at once at \S+ \(cp-1\), limit 0\n/);
  });

  it("path --fleet over a fleet of one store: `(1 site)`", () => {
    mkdirSync(join(dir, "profiles"), { recursive: true });
    for (const p of ["k3s-base.yaml", "k3s-os-uri-change.yaml"])
      cpSync(join(ROOT, "scenarios/profiles", p), join(dir, "profiles", p));
    const plan = "one-store.yaml";
    writeFileSync(
      join(dir, plan),
      [
        "name: one-store",
        "start: 2026-12-07T00:00Z",
        "update: profiles/k3s-os-uri-change.yaml",
        "from: profiles/k3s-base.yaml",
        'cluster: { shape: "1+0" }',
        "inventory: { generate: { clusters: 1, prefix: store, timeZones: [Asia/Tokyo] } }",
        'windows: { default: "daily 01:00-05:00" }',
        "strategies: { only: { waves: [{ name: all, rest: true, concurrency: 1 }] } }",
        "",
      ].join("\n"),
    );
    const r = spawnEdgesim(
      ["path", "profiles/k3s-base.yaml", "--kubernetes", "1.31.4", "--versions", "1.31.4", "--fleet", plan],
      { cwd: dir, timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}over one-store \(1 site\): \d+h\d+m\d+s from the first rollout/m);
    const md = spawnEdgesim(
      [
        "path",
        "profiles/k3s-base.yaml",
        "--kubernetes",
        "1.31.4",
        "--versions",
        "1.31.4",
        "--fleet",
        plan,
        "--format",
        "markdown",
      ],
      { cwd: dir, timeoutMs: 60_000 },
    );
    expect(md.stdout).toContain("over one-store (1 site):");
  });
});
