import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function help(...args: string[]) {
  const io = memoryIo();
  const code = await main([...args, "--help"], io);
  return { code, out: io.out };
}

/** The description column of every option and argument row of a help page (continuation lines skipped). */
function descriptions(out: string): string[] {
  const rows: string[] = [];
  let inList = false;
  for (const line of out.split("\n")) {
    if (/^(Options|Arguments|Commands):$/.test(line)) inList = true;
    else if (line === "") inList = false;
    else if (inList) {
      const match = /^ {2}\S.*?\s{2,}(\S.*)$/.exec(line);
      if (match?.[1]) rows.push(match[1]);
    }
  }
  return rows;
}

const COMMANDS = ["plan", "run", "test", "report", "quiz", "rules", "fleet", "completion"] as const;

describe("--help", () => {
  const pages: [string, string[]][] = [["edgesim", []], ...COMMANDS.map((c): [string, string[]] => [c, [c]])];
  it.each(pages)("%s --help: every description starts with a capital letter", async (_name, args) => {
    const { code, out } = await help(...args);
    expect(code).toBe(0);
    const rows = descriptions(out);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(row, row).toMatch(/^[A-Z]/);
  });

  it.each(COMMANDS)("edgesim %s --help names its exit codes", async (command) => {
    expect((await help(command)).out).toMatch(/Exit codes?:(\n {2})? ?0 /);
  });

  it.each([
    ["edgesim", [], [0, 1, 2, 3, 4, 5]],
    ["plan", ["plan"], [0, 1, 2, 3]],
    ["run", ["run"], [0, 1, 4]],
    ["test", ["test"], [0, 1, 4]],
    ["report", ["report"], [0, 1]],
    ["quiz", ["quiz"], [0, 1]],
    ["rules", ["rules"], [0, 1]],
    ["fleet", ["fleet"], [0, 1, 4]],
    ["completion", ["completion"], [0, 1]],
  ] as const)("%s --help has the exit-code table, one code a row", async (_name, args, codes) => {
    const { out } = await help(...args);
    const table = out.slice(out.indexOf("Exit codes:\n"));
    const rows = [...table.matchAll(/^ {2}(\d) {2}\S/gm)].map((m) => Number(m[1]));
    expect(rows).toEqual(codes);
  });

  it.each([
    ["plan", "--control-planes <n>", "(default: 3)"],
    ["plan", "--var <name=value>", "(default: the profile's variables)"],
    ["quiz", "--count <n>", "(default: 10)"],
    ["run", "--seed <n>", "(default: the file's seed, else 1)"],
  ])("edgesim %s --help shows the default of %s", async (command, option, shown) => {
    const { out } = await help(command);
    const flat = out.replace(/\n\s+/g, " ");
    expect(flat).toContain(option);
    expect(flat.slice(flat.indexOf(option))).toContain(shown);
  });
});

describe("edgesim --version", () => {
  it("prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const io = memoryIo();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out).toBe(`${version}\n`);
  });
});
