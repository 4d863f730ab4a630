import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { commandSpecs } from "../../src/cli/completion.js";
import { memoryIo } from "../../src/cli/io.js";
import { buildProgram, main } from "../../src/cli/main.js";

const root = join(import.meta.dirname, "../..");
const COMMAND_NAMES = COMMANDS.map((command) => command.name);

async function script(shell: string): Promise<string> {
  const io = memoryIo();
  expect(await main(["completion", shell], io)).toBe(0);
  return io.out;
}

/** What bash's completion function offers for the words typed so far (the last one being completed). */
function complete(bashScript: string, words: string[], cwd?: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
  const file = join(dir, "edgesim.bash");
  writeFileSync(file, bashScript);
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const result = spawnSync(
    "bash",
    [
      "--norc",
      "-c",
      `source ${file}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _edgesim; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8", ...(cwd ? { cwd } : {}) },
  );
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter((line) => line !== "");
}

describe("edgesim completion", () => {
  it("bash: sourced in a real bash, it completes commands, options, their choices and files", async () => {
    const bash = await script("bash");
    const registered = spawnSync(
      "bash",
      ["--norc", "-c", `source <(cat <<'EOF'\n${bash}EOF\n); complete -p edgesim`],
      {
        encoding: "utf8",
      },
    );
    expect(registered.stdout).toContain("-F _edgesim edgesim");
    expect(complete(bash, ["edgesim", "pl"])).toEqual(["plan"]);
    expect(complete(bash, ["edgesim", "r"]).sort()).toEqual(["report", "rules", "run"]);
    expect(complete(bash, ["edgesim", "plan", "--fa"])).toEqual(["--fail-on"]);
    expect(complete(bash, ["edgesim", "plan", "--fail-on", "re"]).sort()).toEqual(["reboot", "repave"]);
    expect(complete(bash, ["edgesim", "test", "-"])).toEqual(
      expect.arrayContaining(["-q", "--quiet", "--filter", "--no-color"]),
    );
    expect(complete(bash, ["edgesim", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    expect(complete(bash, ["edgesim", "run", "--seed", ""])).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "edgesim-files-"));
    writeFileSync(join(dir, "story.yaml"), "");
    expect(complete(bash, ["edgesim", "run", "st"], dir)).toEqual(["story.yaml"]);
  });

  it("every script names every command and every option of the program, so none drifts", async () => {
    const program = await buildProgram([], memoryIo(), () => {}, "all");
    const specs = commandSpecs(program);
    expect(specs.map((s) => s.name)).toEqual([
      "plan",
      "path",
      "run",
      "test",
      "report",
      "quiz",
      "rules",
      "fleet",
      "calibrate",
      "backtest",
      "serve",
      "completion",
    ]);
    const bash = await script("bash");
    const zsh = await script("zsh");
    const fish = await script("fish");
    for (const spec of specs) {
      expect(bash).toContain(`    ${spec.name})`);
      expect(zsh).toContain(`    '${spec.name}:`);
      expect(fish).toContain(`-a ${spec.name} -d`);
      for (const option of spec.options) {
        for (const flag of option.flags) {
          expect(bash, `${spec.name} ${flag}`).toMatch(new RegExp(`[' ]${flag}[' ]`));
          const fishFlag = flag.startsWith("--") ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
          expect(fish, `${spec.name} ${flag}`).toContain(fishFlag);
        }
        expect(zsh, `${spec.name} ${option.flags.join(",")}`).toContain(
          option.flags.length > 1 ? `{${option.flags.join(",")}}` : `'${option.flags[0]}'`,
        );
      }
    }
  });

  // The shells are installed by scripts/setup-machine.sh (npm test runs it), so none of these is skipped.
  it.each(["zsh", "fish"])("%s: the script parses in %s", async (shell) => {
    const text = await script(shell);
    const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
    const file = join(dir, `edgesim.${shell}`);
    writeFileSync(file, text);
    const check = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    expect(check.error).toBeUndefined();
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("fish: sourced in a real fish, it completes commands, options, choices and files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
    const file = join(dir, "edgesim.fish");
    writeFileSync(file, await script("fish"));
    writeFileSync(join(dir, "story.yaml"), "");
    const offered = (line: string) => {
      const result = spawnSync("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`], {
        encoding: "utf8",
        cwd: dir,
      });
      expect(result.error).toBeUndefined();
      expect(result.stderr).toBe("");
      return result.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\t")[0]);
    };
    expect(offered("edgesim pl")).toEqual(["plan"]);
    expect(offered("edgesim ").sort()).toEqual([...COMMAND_NAMES, "help"].sort());
    expect(offered("edgesim plan --fa")).toEqual(["--fail-on"]);
    expect(offered("edgesim plan --fail-on re").sort()).toEqual(["reboot", "repave"]);
    expect(offered("edgesim completion ").sort()).toEqual(["bash", "fish", "zsh"]);
    expect(offered("edgesim test -")).toEqual(expect.arrayContaining(["-q", "--quiet", "--filter"]));
    expect(offered("edgesim run st")).toEqual(["story.yaml"]);
  });

  it("zsh: loaded after compinit in an interactive zsh, TAB offers the commands, options, choices and files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
    const file = join(dir, "_edgesim");
    writeFileSync(file, await script("zsh"));
    writeFileSync(join(dir, "story.yaml"), "");
    const lines = [
      "edgesim ",
      "edgesim pl",
      "edgesim plan --",
      "edgesim plan --fail-on re",
      "edgesim completion ",
      "edgesim test -",
      "edgesim run st",
    ];
    // A real prompt in a pseudo-terminal (zsh's zpty module): each line is typed, then TAB.
    const result = spawnSync("zsh", ["-f", join(root, "test/fixtures/zsh-complete.zsh"), file, ...lines], {
      encoding: "utf8",
      cwd: dir,
      timeout: 60_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
    const blocks = result.stdout.split("--\n").map((block) => block.split("\n").filter((l) => l !== ""));
    const offered = Object.fromEntries(lines.map((line, i) => [line, blocks[i] ?? []]));
    expect(offered["edgesim "]).toEqual([...COMMAND_NAMES, "help"]);
    expect(offered["edgesim pl"]).toEqual(["plan"]);
    expect(offered["edgesim plan --"]).toEqual(
      expect.arrayContaining(["--json", "--format", "--fail-on", "--var", "--no-color", "--help"]),
    );
    expect(offered["edgesim plan --"]?.every((flag) => flag.startsWith("--"))).toBe(true);
    expect(offered["edgesim plan --fail-on re"]?.sort()).toEqual(["reboot", "repave"]);
    expect(offered["edgesim completion "]).toEqual(["bash", "zsh", "fish"]);
    expect(offered["edgesim test -"]).toEqual(
      expect.arrayContaining(["-q", "--quiet", "--filter", "--junit"]),
    );
    expect(offered["edgesim run st"]).toEqual(["story.yaml"]);
  });

  it("an unknown shell is bad input", async () => {
    const io = memoryIo();
    expect(await main(["completion", "powershell"], io)).toBe(1);
    expect(io.err).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});
