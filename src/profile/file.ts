import { readTextFile } from "../shared/files.js";
import type { CoreLayerName, Distribution } from "../shared/types.js";
import { parseLayerValues, parseProfile } from "./parse.js";
import type { LoadOptions, Profile } from "./types.js";

/** Reads and parses a profile file; messages name `path` as given. */
export function loadProfileFile(path: string, options: LoadOptions = {}): Profile {
  return parseProfile(readTextFile(path), path, options);
}

/** Reads one pack's values file as `layer` of an otherwise unchanged profile (`plan --layer`). */
export function loadLayerValuesFile(
  path: string,
  layer: CoreLayerName,
  options: LoadOptions & { distribution: Distribution; pack?: string },
): Profile {
  return parseLayerValues(readTextFile(path), path, layer, options);
}
