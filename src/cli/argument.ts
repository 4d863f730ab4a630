import { statSync } from "node:fs";
import {
  type ClassifiedFile,
  COMMAND_INPUTS,
  type CommandInputName,
  classifyFile,
  classifyInput,
  classifyText,
  type Kind,
  refuseWrongKind,
} from "../kinds/registry.js";
import { readStandardInput, STDIN_ARGUMENT, STDIN_NAME } from "../shared/files.js";
import type { YamlFile } from "../shared/yaml.js";
import type { Io } from "./io.js";
import { userPath } from "./options.js";

/**
 * The file a command was given, read and parsed once, of a kind the command takes (`COMMAND_INPUTS`).
 * `-` is standard input, read through the bounded reader and named `<stdin>`. A file of another kind is
 * refused in one sentence (see `refuseWrongKind`); one that cannot be read or parsed throws its reader's
 * or parser's error. A file of no known kind is returned as it is: the command's loader says what is
 * wrong with it.
 */
export function fileArgument(
  io: Io,
  argument: string,
  name: CommandInputName,
): { file: string; kind: Kind | undefined; yaml?: YamlFile } {
  const file = argument === STDIN_ARGUMENT ? STDIN_NAME : userPath(io, argument);
  const classified: ClassifiedFile =
    argument === STDIN_ARGUMENT ? classifyText(readStandardInput(), STDIN_NAME) : classifyFile(file);
  refuseWrongKind(file, classified.kind, name);
  if (classified.error) throw classified.error;
  return { file, kind: classified.kind, ...(classified.yaml ? { yaml: classified.yaml } : {}) };
}

/**
 * A file named by an argument or option that its loader reads (history, --timings, --rollouts…),
 * resolved, after refusing one of a kind `name` does not take in one sentence. Only an existing
 * regular file is looked at: a missing one is left for the loader to report, and an unreadable or
 * unparsable one too (the loader's message is the one to show).
 */
export function inputFile(io: Io, argument: string, name: CommandInputName): string {
  const file = userPath(io, argument);
  if (isFile(file)) refuseWrongKind(file, classifyInput(file, COMMAND_INPUTS[name]).kind, name);
  return file;
}

/**
 * A folder argument (`test DIR`, `serve DIR`), resolved. A file of a known kind there is refused in one
 * sentence ("this is a scenario …; `edgesim test` takes a folder …; replay it with …"); any other file is
 * left to the command, which says it is not a folder.
 */
export function folderArgument(io: Io, argument: string, name: CommandInputName): string {
  const folder = userPath(io, argument);
  if (isFile(folder)) refuseWrongKind(folder, classifyFile(folder).kind, name);
  return folder;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
