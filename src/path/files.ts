import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { InputError } from "../shared/diagnostics.js";
import { readTextFile, writeOutput } from "../shared/files.js";
import { parseYamlFile } from "../shared/yaml.js";
import type { EvaluatedPath } from "./evaluate.js";
import type { PathInput, PathSearchResult } from "./search.js";

/** The files a path search reads (a list of versions) and writes (the recommended path's revisions). */

export type { PoolPolicy, PoolSpec } from "./enumerate.js";
export type { EvaluatedPath } from "./evaluate.js";
export type { PathInput, PathSearchResult } from "./search.js";

export const VERSION_PATTERN = /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?$/;

/**
 * `--versions 1.31.4,1.32.2` or a file (`path`, the value resolved as a path): a YAML list of versions,
 * or `{ kubernetes: [...], osImages: [...] }`.
 */
export function parseVersions(value: string, path: string): NonNullable<PathInput["versions"]> {
  const items = value.split(",").map((v) => v.trim());
  if (items.every((v) => VERSION_PATTERN.test(v)) && !existsSync(path)) {
    return { kubernetes: items, source: "--versions" };
  }
  const yaml = parseYamlFile(readTextFile(path), path);
  const data = yaml.value;
  const list = (v: unknown, at: string): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" && typeof x !== "number"))
      throw new InputError([{ file: path, path: at, message: "must be a list of versions (strings)" }]);
    return v.map(String);
  };
  if (Array.isArray(data)) return { kubernetes: list(data, "(top)"), source: path };
  if (typeof data === "object" && data !== null) {
    const record = data as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => k !== "kubernetes" && k !== "osImages");
    if (unknown.length > 0)
      throw new InputError([
        { file: path, path: unknown[0], message: "unknown key (expected kubernetes, osImages)" },
      ]);
    return {
      ...(record.kubernetes !== undefined ? { kubernetes: list(record.kubernetes, "kubernetes") } : {}),
      ...(record.osImages !== undefined ? { osImages: list(record.osImages, "osImages") } : {}),
      source: path,
    };
  }
  throw new InputError([
    {
      file: path,
      message:
        "is neither a list of versions nor { kubernetes: [...], osImages: [...] } (or give 1.31.4,1.32.2)",
    },
  ]);
}

/** A file name for a revision: its step and profile name, with nothing that could leave the folder. */
function revisionFileName(step: number, name: string, ext: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "profile";
  return `step-${String(step).padStart(2, "0")}-${safe}${ext}`;
}

/**
 * Writes each revision of the recommended path into `dir` (created when missing). Nothing is written when
 * any file would replace a different one already there; each file is written whole or not at all.
 */
export function writeRevisions(
  folder: string,
  result: PathSearchResult,
  path: EvaluatedPath,
  fromFile: string,
): string[] {
  if (existsSync(folder) && !statSync(folder).isDirectory())
    throw new InputError([{ file: folder, message: "--out: is a file, not a folder" }]);
  const ext = [".yaml", ".yml", ".json"].includes(extname(fromFile).toLowerCase())
    ? extname(fromFile)
    : ".yaml";
  const files: { file: string; text: string }[] = [];
  let n = 0;
  for (const step of path.steps) {
    if (step.step.kind !== "revision") continue;
    n++;
    const revision = result.revision(step.to);
    files.push({ file: join(folder, revisionFileName(n, revision.name, ext)), text: revision.text });
  }
  const clashes = files.filter((f) => existsSync(f.file) && readFileSync(f.file, "utf8") !== f.text);
  if (clashes.length > 0) {
    throw new InputError(
      clashes.map((f) => ({
        file: f.file,
        message:
          "--out: already exists with other content; remove it or choose another folder (nothing was written)",
      })),
    );
  }
  mkdirSync(folder, { recursive: true });
  for (const f of files) writeOutput({ file: f.file, option: "--out" }, f.text);
  return files.map((f) => f.file);
}
