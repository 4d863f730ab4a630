import { readTextFile } from "../shared/files.js";
import { parseProfile } from "./parse.js";
import type { LoadOptions, Profile } from "./types.js";

/** Reads and parses a profile file; messages name `path` as given. */
export function loadProfileFile(path: string, options: LoadOptions = {}): Profile {
  return parseProfile(readTextFile(path), path, options);
}
