import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseProfile } from "../../src/profile/parse.js";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

const PXKE = resolve("scenarios/profiles/pxk-e-base.yaml");
const EXPORT = resolve("test/fixtures/profiles/palette-export.yaml");
const VERSIONS = "1.31.4,1.32.6,1.33.3";

async function path(...args: string[]) {
  const io = memoryIo();
  const code = await main(["path", ...args], io);
  return { code, out: io.out, err: io.err };
}

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "edgesim-path-"));
});

describe("edgesim path", () => {
  it("prints the recommended path, then the alternatives as a table, then the constraints with their sources", async () => {
    const run = await path(PXKE, "--kubernetes", "1.33.3", "--versions", VERSIONS, "--pool", "edge:2");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Path: pxk-e-base → pxk-e-base-k8s-1\.33\.3\n/);
    expect(run.out).toMatch(/Kubernetes: 1\.30\.5 → 1\.31\.4 → 1\.32\.6 → 1\.33\.3/);
    expect(run.out).toMatch(/Recommended: 4 steps; per node at most 3 repaves/);
    expect(run.out).toMatch(/catch up pool edge/);
    expect(run.out).toMatch(/\n {2}# +steps +repaves\/node/);
    expect(run.out).toMatch(/no-minor-skip: .*\n {4}source: spectrocloud\/librarium docs\/docs-content\//);
  });

  it("--json: paths[] best first, each with steps[] (behavior, profile), repavesPerNode, rebootsPerNode, nodeHours", async () => {
    const run = await path(PXKE, "--kubernetes", "1.33.3", "--versions", VERSIONS, "--json");
    expect(run.code).toBe(0);
    const json = JSON.parse(run.out);
    expect(json.paths[0].recommended).toBe(true);
    expect(json.paths[0].steps.map((s: { behavior: string }) => s.behavior)).toEqual([
      "repave",
      "repave",
      "repave",
    ]);
    expect(json.paths[0].steps.map((s: { profile: string }) => s.profile)).toEqual([
      "pxk-e-base-k8s-1.31.4",
      "pxk-e-base-k8s-1.32.6",
      "pxk-e-base-k8s-1.33.3",
    ]);
    expect(json.paths[0].repavesPerNode).toBe(3);
    expect(json.paths[0].rebootsPerNode).toBe(0);
    expect(json.paths[0].nodeHours).toBeGreaterThan(0);
    expect(json.paths[0].steps[0].why[0].rule).toBe("os.uri-parameter");
  });

  it("--format markdown is a pull-request comment", async () => {
    const run = await path(PXKE, "--kubernetes", "1.31.4", "--format", "markdown");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^### 🔴 edgesim path: 1 step, 1 repave per node — pxk-e-base → /);
    expect(run.out).toMatch(/\| Step \| Rollout \| Behavior \| Nodes \| Why \|/);
  });

  it("bad input: a target below today's version names the constraint and the step, exit 1", async () => {
    const run = await path(PXKE, "--kubernetes", "1.29.1");
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /error: --kubernetes: constraint no-downgrade at step 1: the target Kubernetes 1\.29\.1/,
    );
    expect(run.out).toBe("");
  });

  it("bad input: a version not in the list, and a minor the list lacks", async () => {
    const missing = await path(PXKE, "--kubernetes", "1.33.9", "--versions", VERSIONS);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /constraint version-listed: the target Kubernetes 1\.33\.9 is not in the versions list/,
    );
    const skip = await path(PXKE, "--kubernetes", "1.33.3", "--versions", "1.31.4,1.33.3");
    expect(skip.code).toBe(1);
    expect(skip.err).toMatch(/constraint no-minor-skip at step 2: no 1\.32\.x in the versions list/);
  });

  it("a versions file: { kubernetes, osImages }; an unknown key is named", async () => {
    const file = join(dir, "versions.yaml");
    writeFileSync(file, "kubernetes: [1.31.4, 1.32.6]\nosImages: [a, b]\n");
    const run = await path(PXKE, "--kubernetes", "1.32.6", "--versions", file, "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).kubernetes).toEqual(["1.30.5", "1.31.4", "1.32.6"]);
    const bad = join(dir, "bad-versions.yaml");
    writeFileSync(bad, "kubernetes: [1.31.4]\nimages: [a]\n");
    const wrong = await path(PXKE, "--kubernetes", "1.31.4", "--versions", bad);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/bad-versions\.yaml: images: unknown key/);
  });

  it("--out writes each revision, ready to publish; it never replaces a different file", async () => {
    const out = join(dir, "revisions");
    const run = await path(PXKE, "--kubernetes", "1.32.6", "--versions", VERSIONS, "--out", out);
    expect(run.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["step-01-pxk-e-base-k8s-1.31.4.yaml", "step-02-pxk-e-base-k8s-1.32.6.yaml"]);
    const second = parseProfile(readFileSync(join(out, files[1] as string), "utf8"), "x.yaml");
    expect(second.layers.find((l) => l.name === "kubernetes")?.version).toBe("1.32.6");
    // Comments and everything not edited stay as written.
    expect(readFileSync(join(out, files[0] as string), "utf8")).toMatch(/^# yaml-language-server/);
    // The same run again: the same files, nothing to refuse.
    expect((await path(PXKE, "--kubernetes", "1.32.6", "--versions", VERSIONS, "--out", out)).code).toBe(0);
    writeFileSync(join(out, files[1] as string), "name: mine\n");
    const clash = await path(PXKE, "--kubernetes", "1.32.6", "--versions", VERSIONS, "--out", out);
    expect(clash.code).toBe(1);
    expect(clash.err).toMatch(/already exists with other content.*nothing was written/);
    expect(readFileSync(join(out, files[1] as string), "utf8")).toBe("name: mine\n");
  });

  it("--out keeps a Palette export a Palette export (the pack's tag, values as YAML text)", async () => {
    const out = join(dir, "export");
    const run = await path(
      EXPORT,
      "--kubernetes",
      "1.31.2",
      "--os-uri",
      "ttl.sh/ubuntu:k3s-patched",
      "--out",
      out,
    );
    expect(run.code).toBe(0);
    const files = readdirSync(out);
    expect(files.length).toBeGreaterThan(0);
    const last = readFileSync(join(out, files.sort().at(-1) as string), "utf8");
    expect(last).toMatch(/spec:\n {2}variables:/);
    expect(last).toMatch(/tag: 1\.31\.2/);
    expect(last).toMatch(/system\.uri: ttl\.sh\/ubuntu:k3s-patched/);
    const profile = parseProfile(last, "last.yaml");
    expect(profile.layers.find((l) => l.name === "os")?.values).toMatchObject({
      options: { system: { uri: "ttl.sh/ubuntu:k3s-patched" } },
    });
  });

  it("--to and --kubernetes go alone; a target is needed", async () => {
    expect((await path(PXKE)).err).toMatch(/give the target/);
    expect((await path(PXKE, "--to", PXKE, "--kubernetes", "1.31.4")).code).toBe(1);
  });

  it("--fleet rolls each step over the fleet plan's sites, one after the other", async () => {
    const run = await path(
      resolve("scenarios/profiles/k3s-base.yaml"),
      "--kubernetes",
      "1.32.2",
      "--versions",
      "1.31.1,1.32.2",
      "--fleet",
      resolve("scenarios/fleet-plans/regional-stores.yaml"),
      "--json",
    );
    expect(run.code).toBe(0);
    const best = JSON.parse(run.out).paths[0];
    expect(best.fleet.sites).toBe(9);
    expect(best.steps).toHaveLength(2);
    const [a, b] = best.steps;
    expect(b.fleet.startMs).toBe(a.fleet.endMs);
    expect(best.fleet.durationMs).toBe(b.fleet.endMs - a.fleet.startMs);
    expect(best.fleet.windows).toBeGreaterThanOrEqual(2);
  });
});

describe("edgesim path through the built CLI", () => {
  beforeAll(() => ensureBuilt());

  it("exits 5 when no path meets the limits given, and says the best there is", () => {
    const run = spawnEdgesim(
      ["path", PXKE, "--kubernetes", "1.33.3", "--versions", VERSIONS, "--max-repaves-per-node", "2"],
      { cwd: process.cwd(), timeoutMs: 60_000 },
    );
    expect(run.status).toBe(5);
    expect(run.stderr).toMatch(
      /no path: none of the \d+ paths? meets --max-repaves-per-node 2 \(the fewest repaves per node is 3/,
    );
  });

  it("lists path and exit code 5 in the top-level help", () => {
    const run = spawnEdgesim(["--help"], { cwd: process.cwd(), timeoutMs: 60_000 });
    expect(run.stdout).toMatch(/path \[options\] <from>/);
    expect(run.stdout).toMatch(/5 +path: no path meets the limits given/);
  });
});

it("a missing --out folder is created; a file in its place is refused", async () => {
  const file = join(dir, "not-a-folder");
  writeFileSync(file, "x");
  const run = await path(PXKE, "--kubernetes", "1.31.4", "--out", file);
  expect(run.code).toBe(1);
  expect(run.err).toMatch(/is a file, not a folder/);
  const nested = join(dir, "a", "b");
  mkdirSync(join(dir, "a"));
  expect((await path(PXKE, "--kubernetes", "1.31.4", "--out", nested)).code).toBe(0);
  expect(existsSync(nested)).toBe(true);
});
