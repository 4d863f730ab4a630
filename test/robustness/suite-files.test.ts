import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

/*
 * `edgesim test` over a folder of hostile files, through the built bin (files run in the worker thread):
 * each broken file is its own line, named by its `name:` or its file name, with the file and place of
 * its first problem — the same message `edgesim run` gives — and the others still run.
 */

function bomb(): string {
  const lines = ["cluster: { controlPlanes: 1, workers: 0 }", 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}

const FILES: Record<string, string> = {
  "a-reboot.yaml": readFileSync(join(FIXTURES, "reboot.yaml"), "utf8"),
  "b-bomb.yaml": bomb(),
  "c-alias.yaml": "name: *nowhere\ncluster: { controlPlanes: 1 }\n",
  "e-nul.yaml": "name: a\u0000b\ncluster: {}\n",
  "g-big.yaml": `name: big\ncluster: {}\n# ${"x".repeat(1024 * 1024)}\n`,
  "h-dup.yaml": "name: a\nname: b\ncluster: {}\n",
  "i-notes.yaml": "title: not a scenario\n",
  "j-flow.yaml": "name: j\ncluster: [\n  x:\n",
  "k-multi.yaml": "name: k\ncluster: {}\n---\nname: b\n",
  "l-tag.yaml": 'name: !!js/function "x"\ncluster: {}\n',
  "n-fleet.yaml": "name: n\nfleet: { concurrency: *x }\n",
  "o-plan.yaml": "name: o\ninventory: [\n",
  "p-schema.yaml":
    "name: p-named\ncluster: { controlPlanes: 1, workers: 0 }\nprofile: profiles/small-base.yaml\nevents:\n  - { at: 1m, kubernetes: sideways }\n",
};

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = workspace(FILES);
  spawnSync("mkfifo", [join(dir, "d-fifo.yaml")]);
  writeFileSync(join(dir, "f-latin1.yaml"), Buffer.from("name: caf\xe9\ncluster: {}\n", "latin1"));
  // Binary junk with no line of a scenario's keys: not a scenario, skipped like other YAML.
  writeFileSync(join(dir, "m-junk.yaml"), readFileSync(process.execPath).subarray(0, 4096));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 1 MiB cap, so that g-big.yaml (a scenario just over it) is refused for its size.
const cli = (args: string[]) =>
  spawnEdgesim(args, { cwd: dir, env: { EDGESIM_MAX_FILE_MIB: "1" }, timeoutMs: 20_000 });

describe("edgesim test: a folder of hostile files", () => {
  it("reports each broken or unreadable file on its own line, placed, and runs the rest", () => {
    const junit = join(dir, "out.xml");
    const run = cli(["test", dir, "--junit", junit]);
    expect(run.signal, "it must not hang").toBeNull();
    expect(run.status).toBe(1);
    const f = (name: string) => join(dir, name);
    expect(run.stdout.trimEnd().split("\n")).toEqual([
      `✓ fixture-reboot (${f("a-reboot.yaml")})`,
      `✗ b-bomb (${f("b-bomb.yaml")}): ${f("b-bomb.yaml")}:1:1: more than 1000 alias expansions (a YAML alias bomb?): edgesim refuses such files`,
      `✗ c-alias (${f("c-alias.yaml")}): ${f("c-alias.yaml")}:1:7: alias *nowhere has no anchor &nowhere before it`,
      `✗ d-fifo (${f("d-fifo.yaml")}): ${f("d-fifo.yaml")}: is a FIFO (named pipe), not a regular file`,
      `✗ e-nul (${f("e-nul.yaml")}): ${f("e-nul.yaml")}:1:8: not a YAML text file: a NUL byte (edgesim reads UTF-8 text)`,
      `✗ f-latin1 (${f("f-latin1.yaml")}): ${f("f-latin1.yaml")}:1:10: not a YAML text file: byte 0xe9 is not valid UTF-8 (edgesim reads UTF-8 text)`,
      `✗ g-big (${f("g-big.yaml")}): ${f("g-big.yaml")}: is larger than 1048576 bytes (1048601 bytes): edgesim reads files up to 1048576 bytes; set EDGESIM_MAX_FILE_MIB to raise the limit`,
      `✗ h-dup (${f("h-dup.yaml")}): ${f("h-dup.yaml")}:2:1: key "name" is set twice in this mapping: Palette would keep only one; remove the other`,
      `✗ j-flow (${f("j-flow.yaml")}): ${f("j-flow.yaml")}:3:5: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `✗ k-multi (${f("k-multi.yaml")}): ${f("k-multi.yaml")}:3:1: holds several YAML documents (a line with --- separates them): edgesim reads one document per file; split it into files or remove the extra ---`,
      `✗ l-tag (${f("l-tag.yaml")}): ${f("l-tag.yaml")}:1:7: unknown YAML tag !!js/function: Palette reads plain YAML values; remove the tag or quote the value`,
      `✗ n-fleet (${f("n-fleet.yaml")}): ${f("n-fleet.yaml")}:2:23: alias *x has no anchor &x before it`,
      `✗ o-plan (${f("o-plan.yaml")}): ${f("o-plan.yaml")}:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `✗ p-named (${f("p-schema.yaml")}): ${f("p-schema.yaml")}:5:27: events[0].kubernetes: must be one of down, up (got "sideways")`,
      "1 passed, 13 failed",
    ]);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain('tests="14"');
    expect(xml.match(/<error /g)).toHaveLength(13);
  });

  it("--filter matches the name from the file, or the file name when it does not parse", () => {
    const run = cli(["test", dir, "--filter", "-named"]);
    expect(run.stdout).toBe(
      `✗ p-named (${join(dir, "p-schema.yaml")}): ${join(dir, "p-schema.yaml")}:5:27: events[0].kubernetes: must be one of down, up (got "sideways")\n0 passed, 1 failed\n`,
    );
    const byFile = cli(["test", dir, "--filter", "FLOW", "-q"]);
    expect(byFile.stdout).toMatch(/^✗ j-flow \(.*\n0 passed, 1 failed\n$/);
    const none = cli(["test", dir, "--filter", "zzz"]);
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(`no scenario under ${dir} has a name containing "zzz"\n`);
  });

  it("a folder with YAML but no scenario says so", () => {
    const other = workspace({ "notes.yaml": "title: not a scenario\n" });
    writeFileSync(join(other, "more.yml"), "- a list\n");
    const run = cli(["test", other]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`no scenarios found under ${other}\n`);
    rmSync(other, { recursive: true, force: true });
  });
});
