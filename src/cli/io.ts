import { batched } from "../shared/json.js";

/** Where a command writes; the CLI is the only place that touches process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** True when stdout is a terminal (colour). */
  isTTY: boolean;
  /** True when stderr is a terminal (progress bars); absent: not one. */
  stderrIsTTY?: boolean;
  /** The environment colour follows (NO_COLOR, FORCE_COLOR, TERM); the process's when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where interactive commands (the quiz) read answers from. */
  stdin?: NodeJS.ReadableStream;
}

/** Writes output made piece by piece in batches: no output is held as one string. */
export function writePieces(write: (text: string) => void, pieces: Iterable<string>): void {
  for (const chunk of batched(pieces)) write(chunk);
}

let quietOnClosedPipe = false;

export function processIo(): Io {
  // `edgesim … | head` closes the pipe early: that is the reader being done, not an error worth a stack trace.
  if (!quietOnClosedPipe) {
    quietOnClosedPipe = true;
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    stdin: process.stdin,
  };
}

/** An Io that records output, for tests. */
export function memoryIo(
  cwd = process.cwd(),
  stdin?: NodeJS.ReadableStream,
): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    cwd,
    isTTY: false,
    // Not the test runner's environment (it may set FORCE_COLOR): outputs are plain unless a test says.
    env: {} as Record<string, string | undefined>,
    stdin,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

/** Exit codes shared by every command (the exit-code table of README.md). */
export const EXIT = {
  ok: 0,
  /** Bad input (and any unexpected error). */
  inputError: 1,
  failure: 1,
  /** `plan`: the update is unsupported. */
  unsupported: 2,
  /** `plan --fail-on`: the plan reached the threshold. */
  failOn: 3,
  /** `run`/`test`: an expectation failed, or a scenario with no `expect` did not converge. */
  notPassed: 4,
  /** `path`: no path meets the limits given (--max-repaves-per-node, --max-steps). */
  noPath: 5,
} as const;

/** The exit-code table for a command's `--help`, one definition for every command. */
export function exitCodeHelp(codes: readonly { code: number; meaning: string }[]): string {
  return `\nExit codes:\n${codes.map((c) => `  ${c.code}  ${c.meaning}\n`).join("")}`;
}

export const EXIT_HELP = {
  ok: (meaning: string) => ({ code: EXIT.ok, meaning }),
  inputError: {
    code: EXIT.inputError,
    meaning: "bad input (the message names the file and line:col or path)",
  },
  unsupported: { code: EXIT.unsupported, meaning: "the update is unsupported (e.g. a CNI pack switch)" },
  failOn: { code: EXIT.failOn, meaning: "--fail-on threshold reached (the changes are named on stderr)" },
  notPassed: {
    code: EXIT.notPassed,
    meaning:
      "an expectation failed, or a scenario with no expect did not converge (or an update was refused)",
  },
  noPath: {
    code: EXIT.noPath,
    meaning:
      "no path meets the limits given (--max-repaves-per-node, --max-steps): the message says the best there is",
  },
} as const;
