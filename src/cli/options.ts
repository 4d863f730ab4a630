import { relative, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import type { ReferenceRoot } from "../shared/files.js";
import { MAX_SEED } from "../shared/rng.js";
import type { Io } from "./io.js";

/**
 * The leaf of the CLI: what every command's registration and action share (the registration's type,
 * the seed, root and path options). It imports no other module of cli/ but io.ts, so the commands,
 * their actions and main.ts form no import cycle.
 */

/** What main.ts gives a command beyond the program: a program with every command (for `completion`). */
export interface RegisterContext {
  allCommands: () => Promise<Command>;
}

/** How a command adds itself to the program (main.ts calls each one of commands.ts). */
export type Register = (
  program: Command,
  io: Io,
  setExit: (code: number) => void,
  context: RegisterContext,
) => void;

export function parseSeed(value: string): number {
  const seed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(seed) || seed > MAX_SEED)
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_SEED}`);
  return seed;
}

/** A path as the user gave it, made relative to the process so messages name it the way it was typed. */
export function userPath(io: Io, path: string): string {
  const absolute = resolve(io.cwd, path);
  const rel = relative(process.cwd(), absolute);
  return rel === "" || rel.startsWith("..") ? absolute : rel;
}

/** `--root DIR` and `--allow-outside`: how far a file's references may reach. */
export interface RootOptions {
  root?: string;
  allowOutside?: boolean;
}

export const ROOT_HELP =
  "Folder the file's references (profiles, golden timelines) must stay in (default: the current folder, or the file's own when it is elsewhere)";
export const ALLOW_OUTSIDE_HELP = "Follow the file's references wherever they point";

/** The root a command's references must stay in, from its options or its default. */
export function referenceRoot(io: Io, options: RootOptions, fallback: string): ReferenceRoot {
  if (options.allowOutside) return false;
  return options.root !== undefined ? resolve(io.cwd, options.root) : fallback;
}

/** `--var NAME=VALUE`, repeated: every malformed pair is reported together. */
export function parseVariables(pairs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  const problems: Diagnostic[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
      problems.push({ file: "--var", message: `expected NAME=VALUE, got "${pair}"` });
      continue;
    }
    variables[name] = pair.slice(eq + 1);
  }
  if (problems.length > 0) throw new InputError(problems);
  return variables;
}
