import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { colourEnabled } from "../../src/cli/colour.js";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

/**
 * Runs `node bin/edgesim.js ARGS` with its stdout (and stderr) on a real pseudo-terminal, made by
 * python3's pty module, and returns what the terminal showed (the terminal writes \r\n for \n).
 */
const PTY = `
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

/** The environment without the variables under test (the test runner or CI may set them). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", ...extra };
  for (const name of ["NO_COLOR", "FORCE_COLOR", "CI"]) if (!(name in extra)) delete env[name];
  return env;
}

function onTerminal(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync("python3", ["-c", PTY, process.execPath, "bin/edgesim.js", ...args], {
    encoding: "utf8",
    env: cleanEnv(extra),
  });
  return { status: result.status, out: result.stdout.replace(/\r\n/g, "\n") };
}

function piped(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["bin/edgesim.js", ...args], {
    encoding: "utf8",
    env: cleanEnv(extra),
  });
  return { status: result.status, out: result.stdout };
}

const RED = "\x1b[31m";
const GREEN = "\x1b[32m";
const ESC = "\x1b[";
const WRONG = join(FIXTURES, "wrong-behavior.yaml");
const REBOOT = join(FIXTURES, "reboot.yaml");

describe("colour on a terminal", () => {
  it("the terminal helper really gives edgesim a terminal", () => {
    const probe = spawnSync(
      "python3",
      ["-c", PTY, process.execPath, "-e", "process.stdout.write(String(process.stdout.isTTY))"],
      { encoding: "utf8" },
    );
    expect(probe.stdout).toBe("true");
  });

  it("run: a failed expectation is red and a converged result green on a terminal; plain when piped", () => {
    const tty = onTerminal(["run", WRONG, "-q"]);
    expect(tty.status).toBe(4);
    expect(tty.out).toContain(`${RED}  ✗ behavior: expected repave, got reboot\x1b[39m`);
    expect(tty.out).toContain(`result         ${GREEN}converged\x1b[39m`);
    const pipe = piped(["run", WRONG, "-q"]);
    expect(pipe.status).toBe(4);
    expect(pipe.out).not.toContain(ESC);
    // The same text once the colour codes are taken out.
    expect(tty.out.replace(new RegExp(`${ESC.replace("[", "\\[")}\\d+m`, "g"), "")).toBe(pipe.out);
  });

  it("run: the result is coloured by whether it met expectations, not by its word", () => {
    // The story expects worker-1 to fail: `failed` is what was asked for, green, and the failed node plain.
    const expected = onTerminal(["run", "scenarios/story-node-fails-mid-repave-halts.yaml", "-q"]);
    expect(expected.status).toBe(0);
    expect(expected.out).toContain(`result         ${GREEN}failed\x1b[39m`);
    expect(expected.out).toMatch(/^failed node {4}worker-1: repave failed: /m);
    // The same failure where the scenario expects convergence: red, and the failed node red.
    const dir = mkdtempSync(join(tmpdir(), "edgesim-colour-"));
    const file = join(dir, "fails.yaml");
    writeFileSync(
      file,
      [
        "name: fixture-fails",
        "cluster: { controlPlanes: 1, workers: 1, retries: 0 }",
        `profile: ${JSON.stringify(join(FIXTURES, "profiles/small-base.yaml"))}`,
        "events:",
        `  - { at: 1m, update: ${JSON.stringify(join(FIXTURES, "profiles/small-reboot.yaml"))} }`,
        "  - { at: 1m, node: worker-1, fail: reboot }",
        "expect: { result: converged }",
        "",
      ].join("\n"),
    );
    const unexpected = onTerminal(["run", file, "-q", "--allow-outside"]);
    expect(unexpected.status).toBe(4);
    expect(unexpected.out).toContain(`result         ${RED}failed\x1b[39m`);
    expect(unexpected.out).toContain(`${RED}failed node    worker-1: reboot failed: `);
    // A fleet whose expected halt happened: green too.
    const fleet = onTerminal(["run", "scenarios/fleet/retail-wave-stops-on-failure.yaml", "-q"]);
    expect(fleet.status).toBe(0);
    expect(fleet.out).toContain(`result         ${GREEN}halted\x1b[39m`);
    // A fleet plan whose expected result (blocked: one store fits no window) came: green, not yellow.
    const plan = onTerminal(["fleet", "scenarios/fleet-plans/regional-stores.yaml", "-q"]);
    expect(plan.status).toBe(0);
    expect(plan.out).toContain(`result         ${GREEN}blocked\x1b[39m`);
  });

  it("test: ✓ green and ✗ red on a terminal", () => {
    const dir = workspace({ "a.yaml": readFileSync(REBOOT, "utf8"), "b.yaml": readFileSync(WRONG, "utf8") });
    const tty = onTerminal(["test", dir]);
    expect(tty.status).toBe(4);
    const lines = tty.out.split("\n");
    expect(lines[0]?.startsWith(`${GREEN}✓\x1b[39m fixture-reboot (`)).toBe(true);
    expect(lines[1]?.startsWith(`${RED}✗ fixture-wrong-behavior (`)).toBe(true);
    expect(lines[1]?.endsWith("\x1b[39m")).toBe(true);
    expect(tty.out).toContain(`${GREEN}1 passed\x1b[39m, ${RED}1 failed\x1b[39m`);
    expect(piped(["test", dir]).out).not.toContain(ESC);
  });

  it("plan keeps its behavior colours, now from the same colour module", () => {
    const args = ["plan", "scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-registry-change.yaml"];
    const tty = onTerminal(args);
    expect(tty.status).toBe(0);
    expect(tty.out).toContain(`Behavior: \x1b[1m${RED}repave\x1b[39m\x1b[22m —`);
    expect(piped(args).out).not.toContain(ESC);
  });

  it.each([
    ["NO_COLOR=1", { NO_COLOR: "1" }, []],
    ["--no-color", {}, ["--no-color"]],
    ["TERM=dumb", { TERM: "dumb" }, []],
    ["FORCE_COLOR=0", { FORCE_COLOR: "0" }, []],
  ])("no colour on a terminal with %s", (_name, env, flags) => {
    const { status, out } = onTerminal(["run", WRONG, "-q", ...flags], env);
    expect(status).toBe(4);
    expect(out).toContain("✗ behavior: expected repave, got reboot");
    expect(out).not.toContain(ESC);
  });

  it.each([
    ["FORCE_COLOR=1", { FORCE_COLOR: "1" }, []],
    ["--color", {}, ["--color"]],
    ["--color over NO_COLOR", { NO_COLOR: "1" }, ["--color"]],
  ])("colour through a pipe with %s", (_name, env, flags) => {
    expect(piped(["run", WRONG, "-q", ...flags], env).out).toContain(RED);
  });

  it("every command takes --color and --no-color", async () => {
    for (const command of ["plan", "run", "test", "report", "quiz", "rules", "fleet", "completion"]) {
      const io = memoryIo();
      await main([command, "--help"], io);
      expect(io.out, command).toMatch(/--color\s/);
      expect(io.out, command).toMatch(/--no-color\s/);
    }
    const io = memoryIo();
    expect(await main(["rules", "--no-color"], io)).toBe(0);
    expect(io.out).not.toContain(ESC);
  });
});

describe("colourEnabled", () => {
  it.each([
    [undefined, {}, true, true],
    [undefined, {}, false, false],
    [undefined, { NO_COLOR: "1" }, true, false],
    [undefined, { NO_COLOR: "" }, true, true],
    [undefined, { FORCE_COLOR: "1" }, false, true],
    [undefined, { FORCE_COLOR: "" }, false, true],
    [undefined, { FORCE_COLOR: "0" }, true, false],
    [undefined, { FORCE_COLOR: "false" }, true, false],
    [undefined, { NO_COLOR: "1", FORCE_COLOR: "1" }, true, false],
    [undefined, { TERM: "dumb" }, true, false],
    [false, { FORCE_COLOR: "1" }, true, false],
    [true, { NO_COLOR: "1" }, false, true],
  ])("flag %s, env %j, terminal %s → %s", (flag, env, tty, expected) => {
    expect(colourEnabled(flag, env, tty)).toBe(expected);
  });
});
