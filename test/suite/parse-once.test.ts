import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

/*
 * `edgesim test` reads and parses each file of the folder once: to tell whether it is a scenario, to
 * name it for --filter, and to run it (the loaders take the parsed document). Counted on the YAML
 * parser itself, in process (the files run in this thread: the compiled worker is not there).
 */

const parsed = vi.hoisted(() => new Map<string, number>());
vi.mock("../../src/shared/yaml.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/shared/yaml.js")>();
  return {
    ...original,
    parseYamlFile: (text: string, file: string, ...rest: unknown[]) => {
      parsed.set(file, (parsed.get(file) ?? 0) + 1);
      return (original.parseYamlFile as (...args: unknown[]) => unknown)(text, file, ...rest);
    },
  };
});

const reboot = readFileSync(join(FIXTURES, "reboot.yaml"), "utf8");
const FILES = {
  "a-reboot.yaml": reboot,
  "b-schema.yaml":
    "name: b-named\ncluster: { controlPlanes: 1, workers: 0 }\nprofile: profiles/small-base.yaml\nevents:\n  - { at: 1m, kubernetes: sideways }\n",
  "c-flow.yaml": "name: c\ncluster: [\n  x:\n",
  "d-fleet.yaml": "name: d\nfleet: { concurrency: *x }\n",
  "e-notes.yaml": "title: not a scenario\n",
};

async function run(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

const countsFor = (dir: string) =>
  Object.fromEntries(Object.keys(FILES).map((name) => [name, parsed.get(join(dir, name)) ?? 0]));

describe("edgesim test parses each file once", () => {
  beforeEach(() => parsed.clear());

  it("every YAML file of the folder, scenario or not, broken or not", async () => {
    const dir = workspace(FILES);
    const { code, out } = await run(["test", dir]);
    expect(code).toBe(1);
    expect(out.replaceAll(dir, "DIR")).toBe(
      [
        "✓ fixture-reboot (DIR/a-reboot.yaml)",
        '✗ b-named (DIR/b-schema.yaml): DIR/b-schema.yaml:5:27: events[0].kubernetes: must be one of down, up (got "sideways")',
        "✗ c-flow (DIR/c-flow.yaml): DIR/c-flow.yaml:3:5: Flow sequence in block collection must be sufficiently indented and end with a ]",
        "✗ d-fleet (DIR/d-fleet.yaml): DIR/d-fleet.yaml:2:23: alias *x has no anchor &x before it",
        "1 passed, 3 failed",
        "",
      ].join("\n"),
    );
    expect(countsFor(dir)).toEqual({
      "a-reboot.yaml": 1,
      "b-schema.yaml": 1,
      "c-flow.yaml": 1,
      "d-fleet.yaml": 1,
      "e-notes.yaml": 1,
    });
  });

  it("with --filter too: the name comes from the same parse", async () => {
    const dir = workspace(FILES);
    const { out } = await run(["test", dir, "--filter", "named"]);
    expect(out).toMatch(/^✗ b-named .*\n0 passed, 1 failed\n$/);
    expect(Object.values(countsFor(dir))).toEqual([1, 1, 1, 1, 1]);
  });
});
