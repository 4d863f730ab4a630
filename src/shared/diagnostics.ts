/**
 * Input problems are values: each names the file and the place (line:col for YAML positions, a dotted
 * path otherwise). Loaders collect them and throw one `InputError` holding them all, which the CLI
 * prints without a stack trace.
 */
export interface Diagnostic {
  file: string;
  message: string;
  /** 1-based line and column, when the problem has a position in the file. */
  line?: number;
  col?: number;
  /** Dotted path of the offending value, e.g. `layers.os.pack`. */
  path?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  let where = d.file;
  if (d.line !== undefined) where += `:${d.line}:${d.col ?? 1}`;
  const at = d.path ? ` ${d.path}:` : "";
  return `${where}:${at} ${d.message}`;
}

export class InputError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "InputError";
    this.diagnostics = diagnostics;
  }
}

/** Collects diagnostics; `throwIfAny` raises them together. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  add(d: Diagnostic): void {
    this.items.push(d);
  }
  get size(): number {
    return this.items.length;
  }
  throwIfAny(): void {
    if (this.items.length > 0) throw new InputError([...this.items]);
  }
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}

/** Problems printed per file: one unclosed `[` can make the YAML parser report hundreds. */
export const MAX_DIAGNOSTICS_PER_FILE = 10;

/**
 * Diagnostics as lines, each once (the same file given twice reports its problems once), at most
 * `max` per file in the order they came; a file's further problems are counted in one line where its
 * list stops (`file: … and 174 more errors`), so every line still names its file.
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  max: number = MAX_DIAGNOSTICS_PER_FILE,
): string[] {
  const unique = [...new Map(diagnostics.map((d) => [formatDiagnostic(d), d.file])).entries()];
  const total = new Map<string, number>();
  for (const [, file] of unique) total.set(file, (total.get(file) ?? 0) + 1);
  const shown = new Map<string, number>();
  const lines: string[] = [];
  for (const [line, file] of unique) {
    const all = total.get(file) ?? 0;
    const count = (shown.get(file) ?? 0) + 1;
    shown.set(file, count);
    // "… and 1 more error" would take the line the error itself needs.
    if (all <= max + 1 || count <= max) lines.push(line);
    else if (count === max + 1) lines.push(moreErrors(file, all - max));
  }
  return lines;
}

export function moreErrors(file: string, count: number): string {
  return `${file}: … and ${count} more errors (fix the first ones: the rest often follow from them)`;
}
