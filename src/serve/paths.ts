import { type Dirent, lstatSync, readdirSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { isInside } from "../shared/files.js";

/** Why a path the page sent may not be used, or undefined. */
export function refusePath(rel: unknown): string | undefined {
  if (typeof rel !== "string" || rel === "") return "expected a path under the served folder";
  if (rel.length > 1024) return "path too long";
  if (rel.includes("\0")) return "path holds a NUL byte";
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) return "an absolute path is not served";
  if (rel.split(/[\\/]/).some((part) => part === "..")) return "a path with .. is not served";
  return undefined;
}

/**
 * The file `rel` names under `dir`, with the CLI's reference-root rules: no `..`, nothing absolute, and
 * resolved through symbolic links it must stay inside `dir`. Throws a `PathRefused` otherwise.
 */
export function pathUnder(dir: string, rel: unknown): string {
  const why = refusePath(rel);
  if (why) throw new PathRefused(why);
  const full = resolve(dir, rel as string);
  if (!isInside(full, dir)) throw new PathRefused(`${rel as string} resolves outside the served folder`);
  return full;
}

export class PathRefused extends Error {}

/** A YAML file under the folder and the kind its content says (unknown: undefined). */
export interface ListedFile {
  path: string;
  kind: string | undefined;
}

const MAX_LISTED = 2000;
const MAX_DEPTH = 6;

/** YAML files under `dir` (links not followed, hidden folders and node_modules skipped), sorted, bounded. */
export async function listFiles(dir: string): Promise<ListedFile[]> {
  const { classifyFile } = await import("../kinds/registry.js");
  const found: string[] = [];
  const walk = (folder: string, depth: number) => {
    if (depth > MAX_DEPTH || found.length >= MAX_LISTED) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, depth + 1);
      else if (entry.isFile() && /\.ya?ml$/i.test(entry.name) && found.length < MAX_LISTED) found.push(path);
    }
  };
  walk(dir, 0);
  return found.map((path) => ({
    path: relative(dir, path).split(sep).join("/"),
    kind: classifyFile(path).kind,
  }));
}

/** A target to save to is a regular file (or a new one), never a link, device or FIFO. */
export function refuseSaveTarget(full: string): string | undefined {
  try {
    const stats = lstatSync(full);
    if (stats.isSymbolicLink()) return "is a symbolic link: not written through";
    if (!stats.isFile()) return "is not a regular file";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return "cannot be read";
  }
  return undefined;
}
