import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { memoryIo } from "../../src/cli/io.js";
import { buildProgram, main } from "../../src/cli/main.js";

// What each command loads, observed in a real process: a module hook records every module of the
// compiled (unbundled) CLI and every package that the process resolves.
const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "edgesim-startup-"));
const hook = join(dir, "hook.mjs");
const register = join(dir, "register.mjs");

beforeAll(() => {
  if (!existsSync(join(root, "dist/bundle/edgesim.js"))) spawnSync("npm", ["run", "build"], { cwd: root });
  writeFileSync(
    hook,
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.EDGESIM_LOADED, result.url + "\\n");
  return result;
}
`,
  );
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
  );
});

/** The modules (`cli/main`, `profile/file`…) and packages (`zod`, `pino`…) that `edgesim ARGS` loads. */
function loaded(args: string[], entry = "dist/cli/main.js"): { modules: string[]; packages: string[] } {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, "");
  const script = `import { main } from ${JSON.stringify(pathToFileURL(join(root, entry)).href)};
process.exitCode = await main(${JSON.stringify(args)}, { stdout() {}, stderr() {}, cwd: process.cwd(), isTTY: false });`;
  const result = spawnSync(
    process.execPath,
    ["--import", pathToFileURL(register).href, "--input-type=module", "-e", script],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, EDGESIM_LOADED: log },
    },
  );
  expect(result.stderr).toBe("");
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const modules = urls.flatMap((url) => /\/dist\/(.+)\.js$/.exec(url)?.[1] ?? []);
  const packages = urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []);
  return { modules: [...new Set(modules)].sort(), packages: [...new Set(packages)].sort() };
}

const HEAVY = ["zod", "yaml", "xstate", "pino", "luxon", "csv-parse", "p-queue"];
const PLAN = ["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-registry-change.yaml"];

describe("start-up: each command loads what it runs", () => {
  // The CLI's own entry modules and small shared helpers (which import no package) are all they may load.
  const isEntry = (module: string) => /^(cli\/(main|commands|io)|shared\/[a-z-]+)$/.test(module);

  it("--version loads no command and no package, not even commander", () => {
    const { modules, packages } = loaded(["--version"]);
    expect(packages).toEqual([]);
    expect(modules).toContain("cli/main");
    expect(modules.filter((m) => !isEntry(m))).toEqual([]);
  });

  it("--help loads commander only: the command list comes from COMMANDS", () => {
    const { modules, packages } = loaded(["--help"]);
    expect(packages).toEqual(["commander"]);
    expect(modules.filter((m) => !isEntry(m))).toEqual([]);
  });

  it("plan --help loads the plan command's definitions, not what it runs", () => {
    const { modules, packages } = loaded(["plan", "--help"]);
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
    expect(packages).toContain("commander");
    expect(modules).toContain("cli/plan");
    expect(modules.filter((m) => /^(profile|rules|scenario|sim|machines|controller)\//.test(m))).toEqual([]);
  });

  // A command's definition: its options, its help text, and the tiny helpers they use.
  const isDefinition = (command: string) => (module: string) =>
    isEntry(module) ||
    module === `cli/${command}` ||
    module === `cli/${command}-options` || // the command's options, shared with its action
    /^cli\/(colour-options|options)$/.test(module) || // every command's --color; the shared options
    /^(quiz\/topics|rules\/reference)$/.test(module);

  it.each([...COMMANDS.map((c) => [c.name]), ["fleet merge"]])(
    "%s --help (and `help` of it) loads commander and the command's definition, nothing it runs",
    (command) => {
      for (const args of [
        [...command.split(" "), "--help"],
        ["help", ...command.split(" ")],
      ]) {
        const { modules, packages } = loaded(args);
        expect(packages, args.join(" ")).toEqual(["commander"]);
        const name = command.split(" ")[0] as string;
        expect(modules).toContain(`cli/${name}`);
        expect(modules.filter((m) => !isDefinition(name)(m))).toEqual([]);
      }
    },
  );

  it("plan loads zod and yaml (profiles are validated) and xstate (the estimate), never pino", () => {
    const { modules, packages } = loaded(PLAN);
    expect(packages).toEqual(expect.arrayContaining(["commander", "yaml", "zod", "xstate"]));
    expect(packages).not.toContain("pino");
    expect(modules).not.toContain("cli/run");
    expect(modules).not.toContain("cli/quiz");
  });

  it("the quiz loads the results' schema only with --results", () => {
    expect(loaded(["quiz", "--seed", "1", "--count", "1"]).modules).not.toContain("quiz/results");
    const results = join(dir, "results.json");
    expect(loaded(["quiz", "--seed", "1", "--count", "1", "--results", results]).modules).toContain(
      "quiz/results",
    );
  });

  it("the quiz's first question (a change) loads no simulation: the stories load when one is asked", () => {
    const first = loaded(["quiz", "--seed", "1", "--count", "1"]);
    expect(first.packages).not.toContain("xstate");
    expect(first.modules.filter((m) => /^(quiz\/sequencing|sim|machines|controller)\b/.test(m))).toEqual([]);
    const story = loaded(["quiz", "--seed", "1", "--count", "1", "--topic", "sequencing"]);
    expect(story.packages).toContain("xstate");
    expect(story.modules).toContain("quiz/sequencing");
  });

  it("run loads pino only with --log", () => {
    const scenario = "scenarios/k3s-noop-does-nothing.yaml";
    expect(loaded(["run", scenario]).packages).not.toContain("pino");
    expect(loaded(["run", scenario, "--log", join(dir, "run.ndjson")]).packages).toContain("pino");
  });

  // In the bundle the packages are inlined: tell them apart by names their code keeps.
  const SIGNATURE = {
    commander: "_outputConfiguration",
    zod: "$ZodType",
    yaml: "YAMLMap",
    xstate: "xstate.init",
  };
  function bundled(args: string[]): string[] {
    const files = loaded(args, "dist/bundle/edgesim.js").modules.filter((m) => m.startsWith("bundle/"));
    const text = files.map((m) => readFileSync(join(root, "dist", `${m}.js`), "utf8")).join("\n");
    return Object.entries(SIGNATURE).flatMap(([name, signature]) => (text.includes(signature) ? [name] : []));
  }

  it("through the bundle: --version loads none of the packages, --help commander alone, plan what it runs", () => {
    expect(bundled(["--version"])).toEqual([]);
    expect(bundled(["--help"])).toEqual(["commander"]);
    expect(bundled(PLAN)).toEqual(["commander", "zod", "yaml", "xstate"]);
    for (const command of COMMANDS)
      expect(bundled([command.name, "--help"]), command.name).toEqual(["commander"]);
  });
});

describe("start-up: the command list without the commands", () => {
  it("edgesim --help reads the same as with every command loaded", async () => {
    const io = memoryIo();
    expect(await main(["--help"], io)).toBe(0);
    const full = memoryIo();
    const program = await buildProgram([], full, () => {}, "all");
    program.outputHelp();
    expect(io.out).toBe(full.out);
    for (const command of COMMANDS) expect(io.out).toContain(command.term);
  });

  it("every command's term and summary are its module's", async () => {
    const program = await buildProgram([], memoryIo(), () => {}, "all");
    const help = program.createHelp();
    for (const command of COMMANDS) {
      const real = program.commands.find((c) => c.name() === command.name);
      expect(real, command.name).toBeDefined();
      expect(help.subcommandTerm(real as never)).toBe(command.term);
      expect(real?.description()).toBe(command.summary);
    }
  });

  it("an unknown command is still named, with the usage hint", async () => {
    const io = memoryIo();
    expect(await main(["paln"], io)).toBe(1);
    expect(io.err).toContain("error: unknown command 'paln'");
  });
});

describe("the bundle", () => {
  it("bin/edgesim.js runs from it: plan, and run --log (pino stays a package)", () => {
    const bin = join(root, "bin/edgesim.js");
    const plan = spawnSync(process.execPath, [bin, ...PLAN, "--json"], { cwd: root, encoding: "utf8" });
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).behavior).toBe("repave");
    const log = join(dir, "bundle.ndjson");
    const run = spawnSync(
      process.execPath,
      [bin, "run", "scenarios/k3s-noop-does-nothing.yaml", "--log", log],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const first = JSON.parse(readFileSync(log, "utf8").split("\n")[0] as string);
    expect(first).toHaveProperty("vt");
  });

  it("every file the bundled code starts beside itself (a worker's entry) is an entry of the bundle", () => {
    const bundle = join(root, "dist/bundle");
    const files = readdirSync(bundle).filter((f) => f.endsWith(".js"));
    const started = files.flatMap((f) =>
      [
        ...readFileSync(join(bundle, f), "utf8").matchAll(
          /new URL\("\.\/([\w.-]+\.js)", ?import\.meta\.url\)/g,
        ),
      ].map((match) => match[1] as string),
    );
    // The fleet's threads and the suite's per-file time limit.
    expect(started).toEqual(expect.arrayContaining(["worker.js", "suite-worker.js"]));
    for (const file of started) expect(files, `dist/bundle/${file}`).toContain(file);
  });

  it("--version prints package.json's version", () => {
    const version = spawnSync(process.execPath, [join(root, "bin/edgesim.js"), "--version"], {
      encoding: "utf8",
    });
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}\n`);
  });
});
