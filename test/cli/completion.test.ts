import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandSpecs } from "../../src/cli/completion.js";
import { memoryIo } from "../../src/cli/io.js";
import { buildProgram, main } from "../../src/cli/main.js";

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
      "run",
      "test",
      "report",
      "quiz",
      "rules",
      "fleet",
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

  it.each(["zsh", "fish"])("%s: the script parses in %s when it is installed", async (shell) => {
    const text = await script(shell);
    const found = spawnSync("sh", ["-c", `command -v ${shell}`], { encoding: "utf8" }).stdout.trim();
    if (found === "") return;
    const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
    const file = join(dir, `edgesim.${shell}`);
    writeFileSync(file, text);
    const check = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("fish: sourced in a real fish (when installed), it completes commands and choices", async () => {
    if (spawnSync("sh", ["-c", "command -v fish"], { encoding: "utf8" }).stdout.trim() === "") return;
    const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
    const file = join(dir, "edgesim.fish");
    writeFileSync(file, await script("fish"));
    const offered = (line: string) =>
      spawnSync("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\t")[0]);
    expect(offered("edgesim pl")).toEqual(["plan"]);
    expect(offered("edgesim plan --fail-on re").sort()).toEqual(["reboot", "repave"]);
    expect(offered("edgesim completion ").sort()).toEqual(["bash", "fish", "zsh"]);
  });

  it("zsh: loaded after compinit (when installed), it registers itself for edgesim", async () => {
    if (spawnSync("sh", ["-c", "command -v zsh"], { encoding: "utf8" }).stdout.trim() === "") return;
    const dir = mkdtempSync(join(tmpdir(), "edgesim-completion-"));
    const file = join(dir, "_edgesim");
    writeFileSync(file, await script("zsh"));
    const result = spawnSync(
      "zsh",
      [
        "-f",
        "-c",
        `autoload -U compinit; compinit -u -d ${dir}/zcompdump; source ${file}; print -r -- $_comps[edgesim]`,
      ],
      { encoding: "utf8" },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("_edgesim");
  });

  it("an unknown shell is bad input", async () => {
    const io = memoryIo();
    expect(await main(["completion", "powershell"], io)).toBe(1);
    expect(io.err).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});
