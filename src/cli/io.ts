/** Where a command writes; the CLI is the only place that touches process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** True when stdout is a terminal (colour, progress). */
  isTTY: boolean;
  /** Where interactive commands (the quiz) read answers from. */
  stdin?: NodeJS.ReadableStream;
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

/** Exit codes shared by every command (see CONTRACT.md). */
export const EXIT = { ok: 0, failure: 1, inputError: 1, unsupported: 2 } as const;
