import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "../shared/diagnostics.js";

/**
 * History files (metrics, events, intervals) are far larger than profiles or scenarios: a big fleet's
 * Prometheus responses run to gigabytes. They have their own bound, 64 GiB per file by default (raise or
 * lower with EDGESIM_MAX_HISTORY_GIB), and are read as a stream of chunks: memory holds one chunk and
 * one series (or line) at a time, never the file.
 */
export const DEFAULT_MAX_HISTORY_GIB = 64;
export const HISTORY_LIMIT_ENV = "EDGESIM_MAX_HISTORY_GIB";
const CHUNK_BYTES = 4 * 1024 * 1024;
/** One NDJSON or CSV line (one event, one interval) is small; a longer one is not such a line. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export function maxHistoryBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[HISTORY_LIMIT_ENV];
  const gib = raw === undefined || raw === "" ? DEFAULT_MAX_HISTORY_GIB : Number(raw);
  if (!Number.isFinite(gib) || gib <= 0 || gib > 1024)
    throw new InputError([
      {
        file: HISTORY_LIMIT_ENV,
        message: `must be a number of GiB above 0, at most 1024, not ${JSON.stringify(raw)}`,
      },
    ]);
  return Math.floor(gib * 1024 ** 3);
}

/**
 * The file's chunks, in order; a file that is not regular or is over the bound is refused first. With
 * `reuse`, every chunk is read into the same memory: a chunk is valid until the next is asked for.
 */
export function* fileChunks(
  file: string,
  limit = maxHistoryBytes(),
  reuse = false,
  chunkBytes = CHUNK_BYTES,
): Generator<Buffer> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError([
      { file, message: code === "ENOENT" ? "no such file" : `cannot be read (${code ?? "error"})` },
    ]);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new InputError([{ file, message: "is not a regular file" }]);
    if (stats.size > limit)
      throw new InputError([
        {
          file,
          message: `is ${gib(stats.size)}, over the ${gib(limit)} bound for history files (raise it with ${HISTORY_LIMIT_ENV})`,
        },
      ]);
    let total = 0;
    const shared = reuse ? reusedChunk(chunkBytes) : undefined;
    for (;;) {
      const buffer = shared ?? Buffer.allocUnsafe(chunkBytes);
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) return;
      total += read;
      if (total > limit)
        throw new InputError([
          { file, message: `grew past the ${gib(limit)} bound for history files while read` },
        ]);
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

let reused: Buffer | undefined;

/** One chunk's memory for every file read with `reuse` (one such file is read at a time). */
function reusedChunk(bytes: number): Buffer {
  if (!reused || reused.length !== bytes) reused = Buffer.allocUnsafe(bytes);
  return reused;
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The file's lines (without the line break), numbered from 1, read in chunks. */
export function* fileLines(
  file: string,
  limit = maxHistoryBytes(),
): Generator<[line: string, number: number]> {
  let carry: Buffer[] = [];
  let carried = 0;
  let number = 0;
  for (const chunk of fileChunks(file, limit)) {
    let from = 0;
    for (let at = chunk.indexOf(10, from); at >= 0; at = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, at);
      const whole = carried === 0 ? piece : Buffer.concat([...carry, piece]);
      carry = [];
      carried = 0;
      number++;
      yield [stripCr(whole.toString("utf8")), number];
      from = at + 1;
    }
    if (from < chunk.length) {
      carry.push(chunk.subarray(from));
      carried += chunk.length - from;
      if (carried > MAX_LINE_BYTES)
        throw new InputError([
          { file, line: number + 1, col: 1, message: `a line longer than ${MAX_LINE_BYTES / 1024 ** 2} MiB` },
        ]);
    }
  }
  if (carried > 0) yield [stripCr(Buffer.concat(carry).toString("utf8")), number + 1];
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** The file's first `bytes` bytes (fewer when it is shorter), as text. */
export function fileHead(file: string, bytes: number, limit = maxHistoryBytes()): string {
  for (const chunk of fileChunks(file, limit, false, bytes)) return chunk.toString("utf8");
  return "";
}

/** The first non-blank byte of a file (to tell a JSON document from NDJSON), or undefined when empty. */
export function firstByte(file: string, limit = maxHistoryBytes()): number | undefined {
  for (const chunk of fileChunks(file, limit)) {
    for (const b of chunk)
      if (b !== 32 && b !== 9 && b !== 10 && b !== 13 && b !== 0xef && b !== 0xbb && b !== 0xbf) return b;
  }
  return undefined;
}
