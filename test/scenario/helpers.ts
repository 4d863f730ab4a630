import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { loadScenario } from "../../src/scenario/load.js";
import type { Diagnostic } from "../../src/shared/diagnostics.js";
import { isInputError } from "../../src/shared/diagnostics.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/scenarios", import.meta.url));

/** A fresh folder holding the fixture profiles under `profiles/` and the given files. */
export function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-scenario-"));
  cpSync(join(FIXTURES, "profiles"), join(dir, "profiles"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The diagnostics `fn` throws as an InputError (fails the test when it throws nothing or something else). */
export function diagnosticsOf(fn: () => unknown): Diagnostic[] {
  try {
    fn();
  } catch (error) {
    if (isInputError(error)) return error.diagnostics;
    throw error;
  }
  throw new Error("expected an InputError, nothing was thrown");
}

export const HEADER = `name: t
cluster:
  controlPlanes: 1
  workers: 2
profile: profiles/small-base.yaml
`;

/** Loads scenario text in a fresh workspace and asserts a diagnostic matching `message` at line:col of that file. */
export function expectScenarioDiagnostic(text: string, message: RegExp, line: number, col: number): void {
  const dir = workspace({ "s.yaml": text });
  const file = join(dir, "s.yaml");
  const diagnostics = diagnosticsOf(() => loadScenario(file));
  const found = diagnostics.find((d) => d.file === file && message.test(d.message));
  expect(found, JSON.stringify(diagnostics, null, 2)).toBeDefined();
  expect([found?.line, found?.col]).toEqual([line, col]);
}
