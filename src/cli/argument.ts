import {
  type ClassifiedFile,
  classifyFile,
  classifyText,
  type Kind,
  refuseWrongKind,
} from "../kinds/registry.js";
import { readStandardInput, STDIN_ARGUMENT, STDIN_NAME } from "../shared/files.js";
import type { YamlFile } from "../shared/yaml.js";
import type { Io } from "./io.js";
import { userPath } from "./options.js";

/**
 * The file a command was given, read and parsed once, of a kind the command takes. `-` is standard
 * input, read through the bounded reader and named `<stdin>`. A file of another kind is refused in one
 * sentence (see `refuseWrongKind`); one that cannot be read or parsed throws its reader's or parser's
 * error. A file of no known kind is returned as it is: the command's loader says what is wrong with it.
 */
export function fileArgument(
  io: Io,
  argument: string,
  command: string,
  accepts: readonly Kind[],
): { file: string; kind: Kind | undefined; yaml?: YamlFile } {
  const file = argument === STDIN_ARGUMENT ? STDIN_NAME : userPath(io, argument);
  const classified: ClassifiedFile =
    argument === STDIN_ARGUMENT ? classifyText(readStandardInput(), STDIN_NAME) : classifyFile(file);
  refuseWrongKind(file, classified.kind, command, accepts);
  if (classified.error) throw classified.error;
  return { file, kind: classified.kind, ...(classified.yaml ? { yaml: classified.yaml } : {}) };
}
