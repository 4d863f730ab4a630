import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

// `edgesim test --mutate` through the built CLI: the mutants run in worker threads only there.
const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/edgesim.js");

beforeAll(() => {
  if (!existsSync(join(root, "dist/suite/suite-worker.js")))
    spawnSync("npm", ["run", "build"], { cwd: root });
});

function edgesim(args: string[], cwd = root) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

interface MutantJson {
  id: string;
  group: string;
  killed: boolean;
  killedBy?: { name: string; file: string };
  reached: number;
  closest?: { name: string; file: string; change: string } | null;
  suggestion?: string;
  equivalent?: string;
}
interface ReportJson {
  files: number;
  score: number;
  killed: number;
  total: number;
  equivalent: number;
  groups: { group: string; killed: number; total: number; equivalent: number }[];
  mutants: MutantJson[];
}

/** A suite of a few bundled scenarios, with the profiles and golden timelines they name. */
function thinSuite(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-mutate-"));
  cpSync(join(root, "scenarios/profiles"), join(dir, "profiles"), { recursive: true });
  cpSync(join(root, "scenarios/golden"), join(dir, "golden"), { recursive: true });
  for (const name of names) cpSync(join(root, "scenarios", `${name}.yaml`), join(dir, `${name}.yaml`));
  return dir;
}

describe("edgesim test --mutate", () => {
  it("lists the mutants with a stable id, a group and one line each", () => {
    const { code, out } = edgesim(["test", "scenarios", "--mutate", "list"]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(150);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^rule:os\.stages\.boot:up +rules +rule os\.stages\.boot: reboot becomes repave$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^kubernetes-down-ignored +sequencing +nothing is blocked while Kubernetes is down$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^failure-budget-ignored +fleet /));
  });

  it("an unknown mutant id is bad input naming the option", () => {
    const { code, out, err } = edgesim(["test", "scenarios", "--mutate", "workers-first,no-such-mutant"]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain('--mutate: no mutant "no-such-mutant"');
  });

  it("a thin suite lets the mutants it never reaches survive, and says what would kill them", () => {
    const dir = thinSuite("story-single-control-plane", "story-two-updates-while-down-latest-wins");
    const { code, out } = edgesim(["test", dir, "--mutate", "sequencing,fleet", "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as ReportJson;
    const byId = new Map(report.mutants.map((m) => [m.id, m]));
    expect(report.files).toBe(2);
    // The latest update winning is what the second story checks; nothing takes Kubernetes down mid-rollout.
    expect(byId.get("earliest-wins")?.killed).toBe(true);
    expect(byId.get("earliest-wins")?.killedBy?.name).toBe("story-two-updates-while-down-latest-wins");
    const fleet = report.mutants.filter((m) => m.group === "fleet");
    expect(fleet.every((m) => !m.killed && m.closest === null)).toBe(true);
    expect(byId.get("failure-budget-ignored")?.suggestion).toContain("failure budget");
    expect(report.groups.find((g) => g.group === "fleet")).toEqual({
      group: "fleet",
      killed: 0,
      total: 3,
      equivalent: 0,
    });
  });

  it("--min-score: exit 4 below it, survivors as JUnit failures", () => {
    const dir = thinSuite("story-single-control-plane");
    const junit = join(dir, "mutants.xml");
    const below = edgesim([
      "test",
      dir,
      "--mutate",
      "fleet,drain-skipped",
      "--min-score",
      "50",
      "--junit",
      junit,
    ]);
    expect(below.code).toBe(4);
    const xml = readFileSync(junit, "utf8");
    expect(xml.match(/<testcase /g)?.length).toBe(4);
    expect(xml).toContain('name="windows-ignored"');
    expect(xml.match(/<failure /g)?.length).toBeGreaterThanOrEqual(3);
    expect(below.out).toMatch(/total +\d\/4 killed/);
    const without = edgesim(["test", dir, "--mutate", "fleet", "--junit", junit]);
    expect(without.code).toBe(0);
    expect(readFileSync(junit, "utf8")).not.toContain("<failure");
    const zero = edgesim(["test", dir, "--mutate", "fleet", "--min-score", "0"]);
    expect(zero.code).toBe(0);
  });

  it("runs its threads when the CLI is started from `node --input-type=module -e`", () => {
    // A thread inherits the process's flags unless told otherwise, and refuses `--input-type`.
    const script = `import { main } from ${JSON.stringify(join(root, "dist/bundle/edgesim.js"))};
      process.exitCode = await main(["test", "scenarios", "--filter", "story-single", "--mutate", "drain-skipped"]);`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("killed   drain-skipped (by story-single-node-not-drained)");
  });

  it("--min-score without --mutate is bad input", () => {
    const { code, err } = edgesim(["test", "scenarios", "--min-score", "50"]);
    expect(code).toBe(1);
    expect(err).toContain("--min-score: goes with --mutate");
  });

  it("the bundled library kills every mutant but the equivalent ones, which docs/mutation.md lists", () => {
    const { code, out, err } = edgesim(["test", "scenarios", "--mutate", "--json", "--min-score", "100"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(out) as ReportJson;
    expect(report.score).toBe(100);
    const survivors = report.mutants.filter((m) => !m.killed);
    // Every survivor is one the model knows no run can tell apart, and says why.
    expect(survivors.filter((m) => m.equivalent === undefined).map((m) => m.id)).toEqual([]);
    for (const m of survivors) expect(m.equivalent).toMatch(/which decides the same \(/);
    expect(report.equivalent).toBe(survivors.length);
    const documented = [
      ...readFileSync(join(root, "docs/mutation.md"), "utf8").matchAll(/^- `(rule:[^`]+)`/gm),
    ].map((m) => m[1]);
    expect(survivors.map((m) => m.id).sort()).toEqual([...documented].sort());
    for (const group of report.groups) expect(group.killed + group.equivalent).toBe(group.total);
  }, 180_000);

  it("a suite of the story-* scenarios guards the sequencing, and none of the rows its stories do not change", () => {
    const stories = readdirSync(join(root, "scenarios"))
      .filter((f) => f.startsWith("story-") && f.endsWith(".yaml"))
      .map((f) => f.slice(0, -".yaml".length));
    const dir = thinSuite(...stories);
    const { code, out, err } = edgesim(["test", dir, "--mutate", "--json"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(out) as ReportJson;
    expect(report.files).toBe(stories.length);
    const byId = new Map(report.mutants.map((m) => [m.id, m]));
    const group = (name: string) => report.groups.find((g) => g.group === name);
    // The stories are about sequencing: an outage, two updates while down, a failed node, a skipped pool.
    expect(group("sequencing")).toMatchObject({ killed: 9, total: 9 });
    // No story is a fleet file, runs RKE2 or switches a pack: those mutants are never reached.
    for (const id of ["failure-budget-ignored", "windows-ignored", "concurrency-ignored", "rke2-quirk-off"])
      expect(byId.get(id)).toMatchObject({ killed: false, reached: 0, closest: null });
    expect(byId.get("pack-switch-allowed")).toMatchObject({ killed: false, reached: 0 });
    expect(byId.get("rke2-quirk-off")?.suggestion).toContain("RKE2");
    // Their updates change a provider image (directly, and through the uri's macros: a Kubernetes
    // upgrade), a boot stage, and cluster config beside a repave: only those rows are guarded, and the
    // cluster-config row only against its removal (its services disappear from the golden timeline).
    const killedRules = report.mutants
      .filter((m) => m.group === "rules" && m.killed)
      .map((m) => m.id)
      .sort();
    expect(killedRules).toEqual([
      "rule:kubernetes.cluster:removed",
      "rule:os.options.system.uri:down",
      "rule:os.options.system.uri:removed",
      "rule:os.stages.boot:down",
      "rule:os.stages.boot:up",
      "rule:os.uri-parameter:down",
      "rule:os.uri-parameter:removed",
      "skip-worker-refusal-off",
      "two-node-refusal-off",
      "uri-macros-off",
    ]);
    // The cluster-config row moved up or down is hidden by the repave beside it.
    for (const id of ["rule:kubernetes.cluster:up", "rule:kubernetes.cluster:down"])
      expect(byId.get(id)).toMatchObject({ killed: false, closest: null });
    expect(byId.get("rule:kubernetes.cluster:up")?.reached).toBeGreaterThan(0);
    // Rows of layers no story changes survive unreached, each with what would kill it.
    for (const id of ["rule:network.values:up", "rule:storage.version:down", "rule:addon.values:up"]) {
      expect(byId.get(id)).toMatchObject({ killed: false, reached: 0 });
      expect(byId.get(id)?.suggestion).toMatch(/^no scenario makes a change rule \S+ decides/);
    }
  }, 180_000);
});
