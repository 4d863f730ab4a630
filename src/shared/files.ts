import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { isatty } from "node:tty";
import { type Diagnostic, InputError } from "./diagnostics.js";
import { batched } from "./json.js";

/** Files larger than this are refused before they are read (raise with EDGESIM_MAX_FILE_MIB). */
export const DEFAULT_MAX_FILE_MIB = 16;

export function maxFileBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.EDGESIM_MAX_FILE_MIB;
  const mib = raw === undefined || raw === "" ? DEFAULT_MAX_FILE_MIB : Number(raw);
  if (!Number.isFinite(mib) || mib <= 0 || mib > 4096) {
    throw new InputError([
      {
        file: "EDGESIM_MAX_FILE_MIB",
        message: `must be a number of MiB between 0 and 4096, not ${JSON.stringify(raw)}`,
      },
    ]);
  }
  return Math.floor(mib * 1024 * 1024);
}

/** What a path is, in words, when it is not a regular file. */
function kindOf(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a UTF-8 text file, bounded: regular files only (a FIFO never blocks: it is opened non-blocking
 * and refused), at most `maxFileBytes()` bytes, strict UTF-8, no NUL. Every refusal is an input error
 * naming the file, and the line:col where the text goes wrong.
 */
export function readTextFile(file: string, limit = maxFileBytes()): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError([{ file, message: readFailure(error) }]);
  }
  let buffer: Buffer;
  try {
    const stats = fstatSync(fd);
    const kind = kindOf(stats);
    if (kind) throw new InputError([{ file, message: `is ${kind}, not a regular file` }]);
    if (stats.size > limit) throw new InputError([{ file, message: tooLarge(stats.size, limit, true) }]);
    // Read to the cap plus one byte: a file that grows while it is read is refused the same way.
    buffer = Buffer.allocUnsafe(Math.min(stats.size, limit) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > limit) throw new InputError([{ file, message: tooLarge(length, limit) }]);
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
    }
    buffer = buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([{ file, message: readFailure(error) }]);
  } finally {
    closeSync(fd);
  }
  return decodeText(buffer, file);
}

/** What `-` (standard input) is called in messages: `<stdin>:3:7: …`. */
export const STDIN_NAME = "<stdin>";

/** The argument that stands for standard input. */
export const STDIN_ARGUMENT = "-";

/**
 * Reads standard input (`-`) to its end, bounded like a file: at most `maxFileBytes()` bytes (refused as
 * soon as it is past the cap, without reading the rest), strict UTF-8, no NUL, every problem at
 * `<stdin>:line:col`. A terminal is refused at once rather than waited on.
 */
export function readStandardInput(limit = maxFileBytes(), fd = 0): string {
  if (isatty(fd)) {
    throw new InputError([
      {
        file: STDIN_NAME,
        message: "- reads standard input, which is a terminal: pipe or redirect a file into it",
      },
    ]);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let read: number;
    try {
      read = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A non-blocking pipe with nothing yet: wait a little (synchronously) and read again.
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === "EOF") break;
      throw new InputError([
        { file: STDIN_NAME, message: `cannot read standard input: ${(error as Error).message}` },
      ]);
    }
    if (read === 0) break;
    length += read;
    if (length > limit) throw new InputError([{ file: STDIN_NAME, message: tooLarge(length, limit) }]);
    chunks.push(Buffer.from(chunk.subarray(0, read)));
  }
  return decodeText(Buffer.concat(chunks, length), STDIN_NAME);
}

/** `size` bytes past `limit`: exact when the size is known (a file's), else "at least" what was read. */
function tooLarge(size: number, limit: number, exact = false): string {
  let [sizeText, limitText] = [byteSize(size), byteSize(limit)];
  // Sizes that round alike are given to the byte: "larger than 1.0 MiB (1.0 MiB)" says nothing.
  if (sizeText === limitText) [sizeText, limitText] = [`${size} bytes`, `${limit} bytes`];
  return `is larger than ${limitText} (${exact ? sizeText : `at least ${sizeText}`}): edgesim reads files up to ${limitText}; set EDGESIM_MAX_FILE_MIB to raise the limit`;
}

function byteSize(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "file not found";
    case "EISDIR":
      return "is a directory, not a file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return `cannot read: ${(error as Error).message}`;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Strict UTF-8 without NUL: an invalid byte or a NUL is an error at its line:col. */
export function decodeText(bytes: Uint8Array, file: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError([{ file, ...placeOf(bytes, nul), message: notText("a NUL byte") }]);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const byte = bytes[bad] ?? 0;
    throw new InputError([
      {
        file,
        ...placeOf(bytes, bad),
        message: notText(`byte 0x${byte.toString(16).padStart(2, "0")} is not valid UTF-8`),
      },
    ]);
  }
}

function notText(why: string): string {
  return `not a YAML text file: ${why} (edgesim reads UTF-8 text)`;
}

/** 1-based line and column (in characters of the valid text before it) of byte `offset`. */
function placeOf(bytes: Uint8Array, offset: number): Pick<Diagnostic, "line" | "col"> {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = Buffer.from(bytes.subarray(lineStart, offset)).toString("utf8");
  return { line, col: [...before].length + 1 };
}

/** Offset of the first byte that breaks UTF-8 (only called once the strict decoder refused the text). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** A place edgesim writes: a path the user gave, and the option that named it (for messages). */
export interface OutputTarget {
  file: string;
  /** `-o`, `--junit`, `--log`, `--update`… */
  option?: string;
}

/**
 * How a user-given output path is written without destroying what it points at:
 * - a regular file (or a new one) is written to a temporary file in the same folder and renamed over
 *   it on `commit`, keeping its mode; a read-only file is refused (even for root);
 * - a symbolic link is written through: its target is replaced the same way, the link stays a link;
 * - a device, FIFO or socket (`/dev/null`, `/dev/stdout`) is written directly, never renamed over.
 */
export interface PreparedOutput {
  /** Where to write the bytes. */
  path: string;
  /** Makes the written bytes the target's content. */
  commit(): void;
  /** Removes whatever a failed write left. */
  abort(): void;
}

export function prepareOutput(target: OutputTarget): PreparedOutput {
  const { file } = target;
  let stats: Stats | undefined;
  try {
    stats = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw writeError(target, error);
  }
  let real = file;
  if (stats?.isSymbolicLink()) {
    try {
      real = realpathSync(file);
      stats = statSync(real);
    } catch {
      // A dangling link: writing through it creates its target.
      return direct(file);
    }
  }
  if (stats && !stats.isFile()) {
    if (stats.isDirectory()) throw writeError(target, "is a directory, not a file");
    return direct(real);
  }
  if (stats && (stats.mode & 0o222) === 0) throw writeError(target, "is read-only");
  const mode = stats ? stats.mode & 0o7777 : undefined;
  const temporary = join(dirname(real), `.${basename(real)}.${process.pid}.tmp`);
  return {
    path: temporary,
    commit() {
      try {
        if (mode !== undefined) chmodSync(temporary, mode);
        renameSync(temporary, real);
      } catch (error) {
        rmSync(temporary, { force: true });
        throw writeError(target, error);
      }
    },
    abort() {
      rmSync(temporary, { force: true });
    },
  };
}

function direct(path: string): PreparedOutput {
  return { path, commit() {}, abort() {} };
}

/** An output problem: bad input naming the option and the file. */
export function writeError(target: OutputTarget, error: unknown): InputError {
  let reason: string;
  if (typeof error === "string") reason = error;
  else {
    const code = (error as NodeJS.ErrnoException).code;
    reason =
      code === "EISDIR"
        ? "is a directory, not a file"
        : code === "ENOENT"
          ? "its folder does not exist"
          : code === "EACCES" || code === "EPERM" || code === "EROFS"
            ? "permission denied"
            : code === "ENOSPC"
              ? "no space left on the device"
              : code === "ENOTDIR"
                ? "a part of the path is not a folder"
                : (error as Error).message;
  }
  const option = target.option ? `${target.option}: ` : "";
  return new InputError([{ file: target.file, message: `${option}cannot write: ${reason}` }]);
}

/** Writes all of `text` or nothing, without replacing a device, a link or a read-only file (see prepareOutput). */
export function writeOutput(target: OutputTarget | string, text: string): void {
  const resolved = typeof target === "string" ? { file: target } : target;
  const output = prepareOutput(resolved);
  try {
    writeFileSync(output.path, text);
  } catch (error) {
    output.abort();
    throw writeError(resolved, error);
  }
  output.commit();
}

/**
 * `writeOutput` for text too long to hold as one string: the pieces are written as they come (in
 * batches), to the same temporary file renamed over the target at the end — a failure part-way
 * (in the writer or in what produces the pieces) leaves the target as it was. A device or FIFO is
 * written directly.
 */
export function writeOutputStream(target: OutputTarget | string, pieces: Iterable<string>): void {
  const resolved = typeof target === "string" ? { file: target } : target;
  const output = prepareOutput(resolved);
  let fd: number | undefined;
  // A failure to write is the target's problem (bad input); one in making the pieces is rethrown as is.
  const io = <T>(step: () => T): T => {
    try {
      return step();
    } catch (error) {
      throw writeError(resolved, error);
    }
  };
  try {
    fd = io(() => openSync(output.path, "w"));
    for (const chunk of batched(pieces, 1 << 20)) io(() => writeAllSync(fd as number, chunk));
    io(() => closeSync(fd as number));
    fd = undefined;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    output.abort();
    throw error;
  }
  output.commit();
}

export function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/**
 * The folder a run's references (profiles, golden timelines, cluster files) must stay inside, or
 * `false` to allow any path (`--allow-outside`).
 */
export type ReferenceRoot = string | false;

/** The default root of `run`/`report`: the current folder when it holds the file, else the file's own folder. */
export function defaultRoot(cwd: string, file: string): string {
  const absolute = resolve(cwd, file);
  return isInside(absolute, resolve(cwd)) ? resolve(cwd) : dirname(absolute);
}

/** `path` (resolved through symbolic links as far as it exists) lies inside `root`. */
export function isInside(path: string, root: string): boolean {
  const real = realpathOfNearest(resolve(path));
  const top = realpathOfNearest(resolve(root));
  const rel = relative(top, real);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function realpathOfNearest(path: string): string {
  // A path that does not exist yet (a golden file to write) is judged by its nearest existing folder.
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/**
 * Why a reference may not be followed, or undefined when it may. The message names the reference and
 * the root, never anything of the file it points at.
 */
export function outsideRoot(path: string, root: ReferenceRoot): string | undefined {
  if (root === false || isInside(path, root)) return undefined;
  return `resolves outside ${root}, the folder this run may read: pass --root DIR or --allow-outside to follow it`;
}
