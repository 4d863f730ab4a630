import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { loadProfileFile } from "../../src/profile/file.js";
import { formatDiagnostics, isInputError } from "../../src/shared/diagnostics.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

async function cli(args: string[], cwd?: string) {
  const io = memoryIo(cwd);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

const BASE = "scenarios/profiles/k3s-base.yaml";
const NOOP = "scenarios/profiles/k3s-noop.yaml";
const reboot = readFileSync(join(FIXTURES, "reboot.yaml"), "utf8");
const wrong = readFileSync(join(FIXTURES, "wrong-behavior.yaml"), "utf8");

describe("repeated errors are capped", () => {
  // One unclosed `[` at the top makes the YAML parser report an error on most of the lines below it.
  const text = readFileSync(BASE, "utf8").replace(/^layers:$/m, "layers: [");
  const dir = mkdtempSync(join(tmpdir(), "edgesim-cap-"));
  const broken = join(dir, "broken.yaml");
  writeFileSync(broken, text);

  it("prints the first 10 of a file's errors, then how many more", async () => {
    let total = 0;
    try {
      loadProfileFile(broken);
    } catch (error) {
      if (isInputError(error)) total = new Set(error.diagnostics.map((d) => JSON.stringify(d))).size;
    }
    expect(total).toBeGreaterThan(20);
    const { code, err } = await cli(["plan", broken, BASE]);
    expect(code).toBe(1);
    const lines = err.trimEnd().split("\n");
    expect(lines).toHaveLength(11);
    for (const line of lines.slice(0, 10)) expect(line).toMatch(new RegExp(`^error: ${broken}:\\d+:\\d+: `));
    expect(lines[10]).toBe(
      `error: ${broken}: … and ${total - 10} more errors (fix the first ones: the rest often follow from them)`,
    );
  });

  it("caps each file on its own, and never writes 'and 1 more'", () => {
    const d = (file: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ file, line: i + 1, message: "x" }));
    const lines = formatDiagnostics([
      ...d("a", 12),
      ...d("b", 11),
      { file: "a", line: 99, message: "y" },
      ...d("a", 1),
    ]);
    expect(lines.filter((l) => l.startsWith("a:"))).toHaveLength(11);
    expect(lines[10]).toBe("a: … and 3 more errors (fix the first ones: the rest often follow from them)");
    expect(lines.filter((l) => l.startsWith("b:"))).toHaveLength(11);
    expect(lines.some((l) => l.startsWith("b: …"))).toBe(false);
  });

  it("edgesim test names the first error and counts the others on the scenario's line", async () => {
    const dir = workspace({
      "bad.yaml":
        "name: bad\ncluster: { controlPlanes: 1 }\nprofile: p.yaml\nevents: [\n  x:\n    a: 1\n    b: 2\n  y:\n    c: 3\n",
    });
    const { code, out } = await cli(["test", dir]);
    expect(code).toBe(1);
    expect(out).toMatch(
      /^✗ bad \(.*bad\.yaml\): .*bad\.yaml:6:8: Nested mappings .* \(and 5 more errors\)$/m,
    );
  });
});

describe("-q and --filter", () => {
  it("-q is --quiet for run: the same output", async () => {
    const quiet = await cli(["run", join(FIXTURES, "reboot.yaml"), "--quiet"]);
    const q = await cli(["run", join(FIXTURES, "reboot.yaml"), "-q"]);
    expect(q).toEqual(quiet);
    expect(q.out).not.toMatch(/node-cordoned/);
    expect(q.out).toMatch(/^scenario {7}fixture-reboot$/m);
  });

  it("test -q prints only the failed scenarios and the summary line", async () => {
    const dir = workspace({ "a.yaml": reboot, "c.yaml": wrong });
    const full = await cli(["test", dir]);
    const quiet = await cli(["test", dir, "-q"]);
    expect(full.out.split("\n").filter((l) => l.startsWith("✓"))).toHaveLength(1);
    expect(quiet.code).toBe(4);
    expect(quiet.out).toBe(
      `✗ fixture-wrong-behavior (${join(dir, "c.yaml")}): behavior: expected repave, got reboot\n1 passed, 1 failed\n`,
    );
    expect((await cli(["test", dir, "--quiet", "--filter", "fixture-reboot"])).out).toBe(
      "1 passed, 0 failed\n",
    );
  });

  it("--filter ignores case", async () => {
    const dir = workspace({ "a.yaml": reboot, "c.yaml": wrong });
    const { code, out } = await cli(["test", dir, "--filter", "FIXTURE-Reboot"]);
    expect(code).toBe(0);
    expect(out).toBe(`✓ fixture-reboot (${join(dir, "a.yaml")})\n1 passed, 0 failed\n`);
    const none = await cli(["test", dir, "--filter", "nothing-like-it"]);
    expect(none.code).toBe(1);
  });
});

describe("a file of the wrong kind gets one sentence", () => {
  it("a profile given to run or report", async () => {
    for (const command of ["run", "report"]) {
      const args =
        command === "report" ? [command, BASE, "-o", join(tmpdir(), "never.html")] : [command, BASE];
      const { code, err } = await cli(args);
      expect(code).toBe(1);
      // Both take every runnable kind: a scenario, a fleet file and a fleet plan.
      expect(err).toBe(
        `error: ${BASE}: this is a profile (name, layers); \`edgesim ${command}\` takes a scenario (cluster, profile, events), a fleet file (fleet, update, clusters) or a fleet plan (inventory, strategy); plan an update with \`edgesim plan FROM TO\`\n`,
      );
    }
  });

  it("a scenario, a fleet file or a fleet plan given to plan", async () => {
    const cases = [
      [
        "scenarios/story-single-control-plane.yaml",
        "a scenario (cluster, profile, events)",
        "replay it with `edgesim run FILE`",
      ],
      [
        "scenarios/fleet/retail-wave-stops-on-failure.yaml",
        "a fleet file (fleet, update, clusters)",
        "roll it with `edgesim run FILE`",
      ],
      [
        "scenarios/fleet-plans/pull-storm.yaml",
        "a fleet plan (inventory, strategy)",
        "plan it with `edgesim fleet FILE`",
      ],
    ];
    for (const [file, what, instead] of cases) {
      const { code, err } = await cli(["plan", BASE, file as string]);
      expect(code).toBe(1);
      expect(err).toBe(
        `error: ${file}: this is ${what}; \`edgesim plan\` takes two profiles (FROM TO); ${instead}\n`,
      );
    }
  });

  it("a broken profile still gets its own errors", async () => {
    const { err } = await cli(["plan", "test/fixtures/profiles/palette/unknown-shape.yaml", BASE]);
    expect(err).toMatch(/is not a profile edgesim can read/);
  });
});

describe("messages", () => {
  it("a node the cluster does not have is said in plain words", async () => {
    const dir = workspace({
      "s.yaml": `name: t\ncluster: { controlPlanes: 1, workers: 1 }\nprofile: profiles/small-base.yaml\nexpect:\n  order: [cp-1, worker-9]\n`,
    });
    const { code, err } = await cli(["run", join(dir, "s.yaml")]);
    expect(code).toBe(1);
    expect(err).toBe(
      `error: ${join(dir, "s.yaml")}:5:17: expect.order[1]: this cluster has no node "worker-9" (its nodes are cp-1, worker-1)\n`,
    );
  });

  it("a --var that no profile uses is a warning in the plan, not an error", async () => {
    const { code, out } = await cli(["plan", BASE, NOOP, "--var", "sitee=x", "--var", "site=y"]);
    expect(code).toBe(0);
    expect(out).toContain(
      "  - --var sitee: no profile uses {{ .spectro.var.sitee }} (the profiles use ntpServer, registryPassword, site)",
    );
    expect(out).not.toContain("--var site:");
    const json = JSON.parse((await cli(["plan", BASE, NOOP, "--var", "sitee=x", "--json"])).out);
    expect(json.warnings[0]).toMatch(/^--var sitee: no profile uses/);
    const used = JSON.parse((await cli(["plan", BASE, NOOP, "--var", "site=x", "--json"])).out);
    expect(used.warnings.filter((w: string) => w.startsWith("--var"))).toEqual([]);
  });
});

describe("the YAML library prints nothing of its own", () => {
  it("a collection used as a key is one error, without the library's process warning", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-key-"));
    const file = join(dir, "key.yaml");
    writeFileSync(
      file,
      "name: x\nlayers:\n  os:\n    pack: edge-native-byoi\n    version: 1\n    values:\n      ? [a, b]\n      : 1\n  kubernetes: { pack: edge-k3s, version: 1.30.5 }\n",
    );
    const result = spawnSync(process.execPath, ["bin/edgesim.js", "plan", file, file], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: ${file}:7:9: a mapping key must be a plain value, not a mapping or a list\n`,
    );
  });
});
