import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { InputError } from "./diagnostics.js";

/** Reads a text file; a missing or unreadable file is an input error naming it. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "is a directory, not a file"
          : code === "EACCES"
            ? "permission denied"
            : `cannot read: ${(error as Error).message}`;
    throw new InputError([{ file, message }]);
  }
}

/**
 * Writes all of `text` or nothing: a temporary file renamed over the target. When either step fails the
 * temporary file is removed and the failure is an input error naming `file` (the path came from the user).
 */
export function writeFileAtomic(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "EISDIR"
        ? "cannot write: is a directory, not a file"
        : code === "ENOENT"
          ? "cannot write: its folder does not exist"
          : code === "EACCES"
            ? "cannot write: permission denied"
            : `cannot write: ${(error as Error).message}`;
    throw new InputError([{ file, message }]);
  }
}
