import { formatDiagnostic, InputError } from "../../src/shared/diagnostics.js";

export const FIXTURES = "test/fixtures/profiles";

/** The formatted diagnostics an input error carries; fails the test when nothing was thrown. */
export function diagnosticsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  throw new Error("expected an InputError, but nothing was thrown");
}

/** A small profile whose layers' values are given as YAML fragments (indented by the caller). */
export function profileText(
  parts: { os?: string; kubernetes?: string; header?: string; extra?: string } = {},
): string {
  return [
    "name: test",
    ...(parts.header ? [parts.header] : []),
    "layers:",
    "  os:",
    "    pack: edge-native-byoi",
    "    version: 2.1.0",
    `    values: ${parts.os ?? "{}"}`,
    "  kubernetes:",
    "    pack: edge-k3s",
    "    version: 1.30.5",
    `    values: ${parts.kubernetes ?? "{}"}`,
    ...(parts.extra ? [parts.extra] : []),
    "",
  ].join("\n");
}
