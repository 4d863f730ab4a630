import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../fixtures/cli.js";
import {
  anchorsOf,
  consoleExamples,
  documentationFiles,
  fileBlocks,
  outputMismatch,
  relativeLinks,
  unrunExamples,
} from "./examples.js";

const ROOT = resolve(import.meta.dirname, "../..");
/** What the examples read: copied into each example's folder. */
const COPIED = [
  "package.json",
  "scenarios",
  "examples",
  "schemas",
  "docs",
  "test/fixtures",
  "scripts/gen-history.js",
];

/**
 * Every console example of the README and docs/ runs, and prints what the page shows: a drifting example
 * fails here. Each block runs in a fresh folder holding a copy of the files examples read (scenarios/,
 * examples/ …), so what an example writes (a report, a log) lands there, with `edgesim` (and `npx
 * edgesim`) on PATH as the built CLI, in UTC, without colour.
 */
describe("console examples in the documentation", () => {
  ensureBuilt();
  const bin = mkdtempSync(join(tmpdir(), "edgesim-docs-bin-"));
  const shim = join(bin, "edgesim");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "bin/edgesim.js")}" "$@"\n`);
  chmodSync(shim, 0o755);
  const dirs: string[] = [bin];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 120_000);

  // No colour (FORCE_COLOR, which a test runner may set, would turn it on even when empty), UTC, a fixed width.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    NO_COLOR: "1",
    TZ: "UTC",
    COLUMNS: "120",
  };
  delete env.FORCE_COLOR;
  const examples = documentationFiles(ROOT).flatMap((file) => consoleExamples(file, ROOT));
  it("finds the examples (README.md has some)", () => {
    expect(examples.filter((e) => e.where.startsWith("README.md:")).length).toBeGreaterThan(0);
  });

  it("every shown command with its output is a console example, so it runs here (no untyped block)", () => {
    expect(documentationFiles(ROOT).flatMap((file) => unrunExamples(file, ROOT))).toEqual([]);
  });

  it("every relative link and image of the documentation points at a file that exists (and a heading of it)", () => {
    const broken: string[] = [];
    for (const file of [...documentationFiles(ROOT), join(ROOT, "scenarios/README.md")])
      for (const link of relativeLinks(file, ROOT)) {
        if (!existsSync(link.target)) broken.push(`${link.where}: ${link.target} does not exist`);
        else if (link.anchor && link.target.endsWith(".md") && !anchorsOf(link.target).has(link.anchor))
          broken.push(`${link.where}: no heading #${link.anchor} in ${link.target}`);
      }
    expect(broken).toEqual([]);
  });

  const shownFiles = documentationFiles(ROOT).flatMap((file) => fileBlocks(file, ROOT));
  it.each(shownFiles.map((b) => [b.where, b] as const))(
    "%s shows its example file as it is",
    (_where, block) => {
      expect(`${block.text}\n`).toBe(readFileSync(join(ROOT, block.path), "utf8"));
    },
  );

  it.each(examples.map((e) => [e.where, e] as const))(
    "%s",
    (_where, example) => {
      const cwd = mkdtempSync(join(tmpdir(), "edgesim-docs-"));
      dirs.push(cwd);
      // Copies, not links: a link out of the folder is refused as a reference outside the run's root, as it should be.
      for (const entry of COPIED)
        if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(cwd, entry), { recursive: true });
      // The code is linked: `import "edgesim"` in an example resolves to the package itself (package.json's exports).
      for (const entry of ["bin", "dist", "node_modules"]) symlinkSync(join(ROOT, entry), join(cwd, entry));
      for (const { command, expected } of example.commands) {
        const run = spawnSync(
          "bash",
          ["-c", `set -o pipefail; exec 2>&1; ${command.replace(/\bnpx edgesim\b/g, "edgesim")}`],
          {
            cwd,
            encoding: "utf8",
            timeout: 120_000,
            env,
          },
        );
        const output = run.stdout.split("\n");
        const mismatch = outputMismatch(expected, output);
        expect(
          mismatch,
          `${example.where}: $ ${command}\nfirst shown line not printed: ${mismatch}\nprinted:\n${output.join("\n")}`,
        ).toBeUndefined();
        // A command that fails must say so in the example (`; echo "exit $?"`), not pass silently.
        if (!command.includes("$?"))
          expect(run.status, `${example.where}: $ ${command} exited ${run.status}\n${run.stderr}`).toBe(0);
      }
    },
    180_000,
  );
});
