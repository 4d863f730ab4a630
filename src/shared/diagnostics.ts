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
