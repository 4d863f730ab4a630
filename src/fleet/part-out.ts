import { closeSync, existsSync, lstatSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../shared/diagnostics.js";
import { writeError } from "../shared/files.js";
import type { Shard } from "./shard.js";

/**
 * Where a shard writes its part: `--out` is a folder (created when missing, with or without a trailing
 * slash; refused when it is a file), and the part is `part-I-of-N.part` in it — refused when it exists
 * already, so that a shard asked before it simulates learns at once (the write is exclusive anyway).
 */
export function partFileIn(out: string, shard: Shard): string {
  let isFolder = false;
  try {
    const stats = lstatSync(out);
    if (!stats.isDirectory() && !stats.isSymbolicLink())
      throw new InputError([
        {
          file: out,
          message: "--out: is a file, not a folder (a shard writes part-I-of-N.part in a folder)",
        },
      ]);
    isFolder = true;
  } catch (error) {
    if (error instanceof InputError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw writeError({ file: out, option: "--out" }, error);
  }
  if (!isFolder) {
    try {
      mkdirSync(out, { recursive: true });
    } catch (error) {
      throw writeError({ file: out, option: "--out" }, error);
    }
  }
  const file = join(out, `part-${shard.index}-of-${shard.count}.part`);
  if (existsSync(file)) throw partExists(file);
  return file;
}

function partExists(file: string): InputError {
  return new InputError([
    {
      file,
      message:
        "--out: the part already exists (another shard with the same index, or an earlier run); remove it or choose another folder (nothing was written)",
    },
  ]);
}

/**
 * Writes a part, creating it exclusively (O_EXCL): two shards given the same index, or a part left by an
 * earlier run, can never replace one another; the second is refused and writes nothing. A write that
 * fails part-way removes the file it created.
 */
export function writePartExclusive(file: string, pieces: Iterable<Uint8Array>): void {
  const target = { file, option: "--out" };
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw partExists(file);
    throw writeError(target, error);
  }
  try {
    for (const piece of pieces) {
      try {
        for (let offset = 0; offset < piece.length; )
          offset += writeSync(fd, piece, offset, piece.length - offset);
      } catch (error) {
        throw writeError(target, error);
      }
    }
    closeSync(fd);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    rmSync(file, { force: true });
    throw error;
  }
}
