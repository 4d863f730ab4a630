import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { discoverScenarios } from "../../src/suite/suite.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

async function run(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err, lines: io.out.trimEnd().split("\n") };
}

const reboot = readFileSync(join(FIXTURES, "reboot.yaml"), "utf8");
const wrong = readFileSync(join(FIXTURES, "wrong-behavior.yaml"), "utf8");
const broken =
  "name: broken-one\ncluster: { controlPlanes: 1, workers: 0 }\nprofile: profiles/small-base.yaml\nevents:\n  - { at: 1m, kubernetes: sideways }\n";
const golden = `${reboot}  timeline: golden/reboot.txt\n`.replace(
  "name: fixture-reboot",
  "name: with-golden",
);

describe("edgesim test", () => {
  it("an empty folder says so and exits 1", async () => {
    const dir = workspace();
    const { code, out, err } = await run(["test", dir]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toBe(`no scenarios found under ${dir}\n`);
  });

  it("a missing folder is an input error", async () => {
    const { code, err } = await run(["test", "/no/such/folder"]);
    expect(code).toBe(1);
    expect(err).toContain("/no/such/folder: folder not found");
  });

  it("reports a broken scenario as failed while the others run; the last line counts them", async () => {
    const dir = workspace({ "a-reboot.yaml": reboot, "b-broken.yaml": broken, "c-wrong.yaml": wrong });
    const { code, lines } = await run(["test", dir]);
    expect(code).toBe(1);
    expect(lines).toEqual([
      `✓ fixture-reboot (${join(dir, "a-reboot.yaml")})`,
      `✗ broken-one (${join(dir, "b-broken.yaml")}): ${join(dir, "b-broken.yaml")}:5:27: events[0].kubernetes: must be one of down, up (got "sideways")`,
      `✗ fixture-wrong-behavior (${join(dir, "c-wrong.yaml")}): behavior: expected repave, got reboot`,
      "1 passed, 2 failed",
    ]);
  });

  it("exits 4 when every file loads and a scenario fails; 1 when a file does not load", async () => {
    const failing = await run(["test", workspace({ "a.yaml": reboot, "c.yaml": wrong })]);
    expect(failing.code).toBe(4);
    const broken1 = await run(["test", workspace({ "c.yaml": wrong, "b.yaml": broken })]);
    expect(broken1.code).toBe(1);
  });

  it("exits 0 when all pass, skipping profiles/, golden/ and YAML that is not a scenario", async () => {
    const dir = workspace({ "one.yaml": reboot, "notes.yaml": "title: not a scenario\n" });
    mkdirSync(join(dir, "nested"));
    writeFileSync(
      join(dir, "nested", "two.yml"),
      reboot.replace("fixture-reboot", "nested-reboot").replaceAll("profiles/", "../profiles/"),
    );
    const { code, lines } = await run(["test", dir]);
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe("2 passed, 0 failed");
    expect(discoverScenarios(dir)).toEqual([join(dir, "nested", "two.yml"), join(dir, "one.yaml")]);
  });

  it("--filter runs only scenarios whose name contains the text", async () => {
    const dir = workspace({ "a.yaml": reboot, "c.yaml": wrong });
    const { code, lines } = await run(["test", dir, "--filter", "reboot"]);
    expect(code).toBe(0);
    expect(lines).toEqual([`✓ fixture-reboot (${join(dir, "a.yaml")})`, "1 passed, 0 failed"]);
    const none = await run(["test", dir, "--filter", "zzz"]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("no scenario under");
  });

  it("--update writes the golden timeline, which then passes and catches a change", async () => {
    const dir = workspace({ "g.yaml": golden });
    mkdirSync(join(dir, "golden"));
    const goldenFile = join(dir, "golden", "reboot.txt");
    const before = await run(["test", dir]);
    expect(before.code).toBe(4);
    expect(before.lines[0]).toContain("timeline: golden timeline");
    expect((await run(["test", dir, "--update"])).code).toBe(0);
    const text = readFileSync(goldenFile, "utf8");
    expect(text).toContain("action-started");
    expect((await run(["test", dir])).code).toBe(0);
    writeFileSync(goldenFile, text.replace("cp-1", "cp-9"));
    const changed = await run(["test", dir]);
    expect(changed.code).toBe(4);
    expect(changed.lines[0]).toContain("timeline differs from");
    await run(["test", dir, "--update"]);
    expect(readFileSync(goldenFile, "utf8")).toBe(text);
  });

  it("--junit writes a JUnit report; --json prints the results", async () => {
    const dir = workspace({ "a.yaml": reboot, "b.yaml": broken });
    const junit = join(dir, "out", "junit.xml");
    mkdirSync(join(dir, "out"));
    const { code } = await run(["test", dir, "--junit", junit]);
    expect(code).toBe(1);
    expect(existsSync(junit)).toBe(true);
    const xml = readFileSync(junit, "utf8");
    // The file that does not load is an <error> (bad input), not a <failure> of an expectation.
    expect(xml).toContain('<testsuites name="edgesim" tests="2" failures="0" errors="1"');
    expect(xml).toMatch(
      /<testcase name="broken-one"[^>]* time="\d+\.\d{3}">\n\s+<error message="[^"]*b\.yaml:5:27: events\[0\]\.kubernetes/,
    );
    expect(xml).not.toContain("<failure");
    const json = JSON.parse((await run(["test", dir, "--json"])).out);
    expect(json).toMatchObject({ passed: 1, failed: 1 });
    expect(json.scenarios[0]).toMatchObject({ name: "fixture-reboot", passed: true, result: "converged" });
  });
});
