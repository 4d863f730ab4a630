import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseProfile } from "../../src/profile/parse.js";
import { loadScenario } from "../../src/scenario/load.js";
import { InputError } from "../../src/shared/diagnostics.js";
import { applyMutations, mutationsArb } from "./mutate.js";

/*
 * The CLI on inputs the library rejects: exit 1, every stderr line `error: <file>…` without a stack
 * trace, nothing on stdout for --json, and no output file (nor its temporary) left behind.
 */

const dir = mkdtempSync(join(tmpdir(), "edgesim-robust-cli-"));
cpSync("scenarios/profiles", join(dir, "profiles"), { recursive: true });
cpSync("scenarios/golden", join(dir, "golden"), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROFILE = join(dir, "p.yaml");
const SCENARIO = join(dir, "s.yaml");
const GOOD_PROFILE = join(dir, "profiles", "k3s-base.yaml");
const profileTexts = readdirSync("scenarios/profiles")
  .sort()
  .map((f) => readFileSync(join("scenarios/profiles", f), "utf8"));
const scenarioTexts = readdirSync("scenarios")
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => readFileSync(join("scenarios", f), "utf8"));

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

function rejects(load: () => unknown): boolean {
  try {
    load();
    return false;
  } catch (error) {
    if (error instanceof InputError) return true;
    throw error;
  }
}

/** Exit 1 and every line on stderr an `error:` naming one of `files`, with no stack trace anywhere. */
function expectInputErrorOutput(result: { code: number; err: string }, files: readonly string[]): void {
  expect(result.code).toBe(1);
  expect(result.err).not.toMatch(/\n\s+at /);
  const lines = result.err.trimEnd().split("\n");
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(
      files.some((file) => line.startsWith(`error: ${file}`)),
      line,
    ).toBe(true);
  }
}

/** Files in `dir` that a run could have left: the log and its temporaries. */
const leftovers = (folder: string, base: string) => readdirSync(folder).filter((f) => f.startsWith(base));

describe("CLI on bad input: exit 1, `error: <file>` lines, no stack trace, nothing half-written", () => {
  it("plan --json with a broken profile on either side prints nothing on stdout", async () => {
    const sample = fc.sample(fc.tuple(fc.constantFrom(...profileTexts), mutationsArb, fc.boolean()), {
      seed: 42,
      numRuns: 300,
    });
    let checked = 0;
    for (const [text, mutations, first] of sample) {
      const broken = applyMutations(text, mutations);
      if (!rejects(() => parseProfile(broken, PROFILE))) continue;
      writeFileSync(PROFILE, broken);
      const args = first ? [PROFILE, GOOD_PROFILE] : [GOOD_PROFILE, PROFILE];
      const result = await cli(["plan", ...args, "--json"]);
      expectInputErrorOutput(result, [PROFILE]);
      expect(result.out).toBe("");
      if (++checked === 60) break;
    }
    expect(checked).toBe(60);
  });

  it("run --json and run --log on a broken scenario print nothing and leave no log", async () => {
    const sample = fc.sample(fc.tuple(fc.constantFrom(...scenarioTexts), mutationsArb), {
      seed: 42,
      numRuns: 300,
    });
    const logDir = join(dir, "logs");
    mkdirSync(logDir);
    let checked = 0;
    for (const [text, mutations] of sample) {
      const broken = applyMutations(text, mutations);
      writeFileSync(SCENARIO, broken);
      if (!rejects(() => loadScenario(SCENARIO))) continue;
      // A profile the scenario names is reported under the profile's own path.
      const files = [SCENARIO, join(dir, "profiles")];
      const json = await cli(["run", SCENARIO, "--json"]);
      expectInputErrorOutput(json, files);
      expect(json.out).toBe("");
      const log = join(logDir, "run.ndjson");
      const logged = await cli(["run", SCENARIO, "--log", log]);
      expectInputErrorOutput(logged, files);
      expect(logged.out).toBe("");
      expect(leftovers(logDir, "run.ndjson")).toEqual([]);
      if (++checked === 40) break;
    }
    expect(checked).toBe(40);
  });

  it("a missing or unreadable input names the file", async () => {
    const missing = join(dir, "nope.yaml");
    expectInputErrorOutput(await cli(["plan", missing, GOOD_PROFILE, "--json"]), [missing]);
    expectInputErrorOutput(await cli(["plan", GOOD_PROFILE, join(dir, "profiles"), "--json"]), [
      join(dir, "profiles"),
    ]);
    const run = await cli(["run", missing, "--json", "--log", join(dir, "missing.ndjson")]);
    expectInputErrorOutput(run, [missing]);
    expect(run.out).toBe("");
    expect(leftovers(dir, "missing.ndjson")).toEqual([]);
  });

  it("run --log naming a folder is an error naming it, with no temporary left", async () => {
    const good = join(dir, "good.yaml");
    writeFileSync(good, scenarioTexts[0] as string);
    const folder = join(dir, "log-folder");
    mkdirSync(folder);
    const result = await cli(["run", good, "--json", "--log", folder]);
    expectInputErrorOutput(result, [folder]);
    expect(result.out).toBe("");
    expect(leftovers(dir, "log-folder")).toEqual(["log-folder"]);
  });

  it("test --junit writes nothing when the folder is bad, and a folder as FILE leaves no temporary", async () => {
    const junit = join(dir, "junit.xml");
    const missing = join(dir, "no-such-folder");
    const result = await cli(["test", missing, "--junit", junit]);
    expectInputErrorOutput(result, [missing]);
    expect(existsSync(junit)).toBe(false);

    const suite = join(dir, "suite");
    mkdirSync(join(suite, "target.xml"), { recursive: true });
    cpSync("test/fixtures/scenarios/profiles", join(suite, "profiles"), { recursive: true });
    cpSync("test/fixtures/scenarios/reboot.yaml", join(suite, "reboot.yaml"));
    const target = join(suite, "target.xml");
    const folderAsFile = await cli(["test", suite, "--junit", target]);
    expectInputErrorOutput(folderAsFile, [target]);
    expect(readdirSync(suite).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
