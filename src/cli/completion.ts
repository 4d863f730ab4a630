import { Argument, type Command, type Option } from "commander";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** What a completion script needs of a command, read from the commander program itself. */
export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Choices of the first argument (`completion <shell>`), when it has any; else files are offered. */
  argumentChoices: readonly string[];
}

export interface OptionSpec {
  flags: string[];
  description: string;
  takesValue: boolean;
  /** Its value is a path (`<file>`, `<dir>`, `<profile>`): files are offered; for a number or a name, nothing. */
  takesPath: boolean;
  choices: readonly string[];
}

/** Every command of the program with its options (and --help), in the program's order. */
export function commandSpecs(program: Command): CommandSpec[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    options: [
      ...command.options.map((option: Option) => ({
        flags: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
        description: option.description,
        takesValue: option.required || option.optional,
        takesPath: /<(file|dir|profile)>/.test(option.flags),
        choices: option.argChoices ?? [],
      })),
      {
        flags: ["-h", "--help"],
        description: "Show help for the command",
        takesValue: false,
        takesPath: false,
        choices: [],
      },
    ],
    argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
  }));
}

/** Single-quoted for a POSIX shell. */
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function bashScript(specs: readonly CommandSpec[]): string {
  const names = [...specs.map((s) => s.name), "help"];
  const cases = specs.map((spec) => {
    const flags = spec.options.flatMap((o) => o.flags).join(" ");
    const valued = spec.options
      .filter((o) => o.takesValue)
      .map((o) => {
        const reply =
          o.choices.length > 0
            ? `COMPREPLY=( $(compgen -W ${sq(o.choices.join(" "))} -- "$cur") )`
            : o.takesPath
              ? `COMPREPLY=( $(compgen -f -- "$cur") )`
              : "COMPREPLY=()";
        return `        ${o.flags.join("|")}) ${reply}; return ;;`;
      });
    const positional =
      spec.argumentChoices.length > 0
        ? `COMPREPLY=( $(compgen -W ${sq(spec.argumentChoices.join(" "))} -- "$cur") )`
        : `COMPREPLY=( $(compgen -f -- "$cur") )`;
    return [
      `    ${spec.name})`,
      ...(valued.length > 0 ? ['      case "$prev" in', ...valued, "      esac"] : []),
      `      if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W ${sq(flags)} -- "$cur") ); else ${positional}; fi`,
      "      ;;",
    ].join("\n");
  });
  return `# edgesim completion for bash. Load it with:  source <(edgesim completion bash)
_edgesim() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -le 1 ]; then
    COMPREPLY=( $(compgen -W ${sq([...names, "-h", "--help", "-V", "--version"].join(" "))} -- "$cur") )
    return 0
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
    help) COMPREPLY=( $(compgen -W ${sq(names.join(" "))} -- "$cur") ) ;;
  esac
  return 0
}
complete -o filenames -o bashdefault -F _edgesim edgesim
`;
}

export function zshScript(specs: readonly CommandSpec[]): string {
  // Inside _arguments specs: brackets, colons and single quotes need escaping.
  const zq = (text: string) => text.replace(/[[\]:\\]/g, (c) => `\\${c}`).replace(/'/g, `'\\''`);
  const cases = specs.map((spec) => {
    const args = spec.options.map((o) => {
      const names = o.flags.length > 1 ? `{${o.flags.join(",")}}` : o.flags[0];
      const exclusive = o.flags.length > 1 ? `(${o.flags.join(" ")})` : "";
      const value = o.takesValue
        ? `:value:${o.choices.length > 0 ? `(${o.choices.join(" ")})` : o.takesPath ? "_files" : " "}`
        : "";
      return `'${exclusive}'${names}'[${zq(o.description)}]${value}'`;
    });
    const positional =
      spec.argumentChoices.length > 0
        ? `'1:${spec.name}:(${spec.argumentChoices.join(" ")})'`
        : "'*:file:_files'";
    return `    ${spec.name})\n      _arguments -s \\\n        ${[...args, positional].join(" \\\n        ")} ;;`;
  });
  return `#compdef edgesim
# edgesim completion for zsh. Load it with:  source <(edgesim completion zsh)
# (or save it as _edgesim in a folder of your $fpath)
_edgesim() {
  local -a commands
  commands=(
${specs.map((s) => `    '${s.name}:${zq(s.description)}'`).join("\n")}
    'help:Show help for a command'
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${cases.join("\n")}
    help) _describe 'command' commands ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _edgesim "$@"; else compdef _edgesim edgesim; fi
`;
}

export function fishScript(specs: readonly CommandSpec[]): string {
  const fq = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const names = specs.map((s) => s.name).join(" ");
  const lines = [
    "# edgesim completion for fish. Load it with:  edgesim completion fish | source",
    "complete -c edgesim -f",
    ...specs.map(
      (s) =>
        `complete -c edgesim -n 'not __fish_seen_subcommand_from ${names} help' -a ${s.name} -d ${fq(s.description)}`,
    ),
    `complete -c edgesim -n 'not __fish_seen_subcommand_from ${names} help' -a help -d 'Show help for a command'`,
  ];
  for (const spec of specs) {
    const when = `-n '__fish_seen_subcommand_from ${spec.name}'`;
    lines.push(
      spec.argumentChoices.length > 0
        ? `complete -c edgesim ${when} -a ${fq(spec.argumentChoices.join(" "))}`
        : `complete -c edgesim ${when} -F`,
    );
    for (const option of spec.options) {
      const names = option.flags
        .map((flag) => (flag.startsWith("--") ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`))
        .join(" ");
      const value = option.takesValue
        ? option.choices.length > 0
          ? ` -x -a ${fq(option.choices.join(" "))}`
          : option.takesPath
            ? " -r -F"
            : " -x"
        : "";
      lines.push(`complete -c edgesim ${when} ${names}${value} -d ${fq(option.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(shell: Shell, specs: readonly CommandSpec[]): string {
  return shell === "bash" ? bashScript(specs) : shell === "zsh" ? zshScript(specs) : fishScript(specs);
}

export const registerCompletion: Register = (program, io, setExit, context) => {
  addColourOptions(program.command("completion"))
    .description("Print a shell completion script for bash, zsh or fish")
    .addArgument(new Argument("<shell>", "Bash, zsh or fish").choices(SHELLS))
    .addHelpText(
      "after",
      "\nThe script is generated from edgesim's own commands and options.\n" +
        "  bash: source <(edgesim completion bash)    (add the line to ~/.bashrc)\n" +
        "  zsh:  source <(edgesim completion zsh)     (add the line to ~/.zshrc)\n" +
        "  fish: edgesim completion fish | source     (or save it as ~/.config/fish/completions/edgesim.fish)\n" +
        exitCodeHelp([
          EXIT_HELP.ok("the script was printed"),
          { code: EXIT.inputError, meaning: "not one of bash, zsh, fish" },
        ]),
    )
    .action(async (shell: Shell) => {
      // Every command, registered on a program of its own: this one may have only this command loaded.
      const full = await context.allCommands();
      io.stdout(completionScript(shell, commandSpecs(full)));
      setExit(EXIT.ok);
    });
};
