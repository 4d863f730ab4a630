import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = resolve(import.meta.dirname, "../../scripts/setup-machine.sh");

/**
 * scripts/setup-machine.sh, the first thing `npm test` runs, on a machine made of stubs: PATH holds only
 * a folder of small scripts standing in for `id`, `sudo`, `apt-get` and the tools the tests need. The
 * stub apt-get refuses to install unless it runs as root (as the real one does), logs what it was asked
 * and, when it installs, puts a stub of each package on PATH; the stub sudo runs its command as root
 * unless it would need a password.
 */
interface Machine {
  uid: number;
  /** The tools already installed. */
  present?: string[];
  sudo?: "none" | "passwordless" | "password";
  aptGet?: "works" | "fails" | "absent";
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function stub(dir: string, name: string, body: string) {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

function runSetup(machine: Machine) {
  const root = mkdtempSync(join(tmpdir(), "edgesim-setup-"));
  dirs.push(root);
  const bin = join(root, "bin");
  const installed = join(root, "installed");
  mkdirSync(bin);
  mkdirSync(installed);
  const log = join(root, "log");
  writeFileSync(log, "");
  for (const tool of ["env", "true"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  stub(bin, "id", `[ "$1" = -u ] && echo "$FAKE_UID"`);
  for (const tool of machine.present ?? []) stub(installed, tool, "exit 0");
  if ((machine.sudo ?? "none") !== "none")
    stub(
      bin,
      "sudo",
      [
        `echo "sudo $*" >> "$FAKE_LOG"`,
        `[ "$1" = -n ] && shift`,
        machine.sudo === "password" ? `echo "sudo: a password is required" >&2; exit 1` : "",
        `FAKE_UID=0 exec "$@"`,
      ].join("\n"),
    );
  if ((machine.aptGet ?? "works") !== "absent")
    stub(
      bin,
      "apt-get",
      [
        `echo "apt-get $* (uid $FAKE_UID, DEBIAN_FRONTEND=$DEBIAN_FRONTEND)" >> "$FAKE_LOG"`,
        `if [ "$FAKE_UID" != 0 ]; then echo "E: Could not open lock file - open (13: Permission denied)" >&2; exit 100; fi`,
        machine.aptGet === "fails" ? `echo "E: Unable to locate package chromium" >&2; exit 100` : "",
        `[ "$1" = install ] || exit 0`,
        `for arg in "$@"; do case "$arg" in -*|install) ;; *) printf '#!/bin/sh\\n' > "${installed}/$arg"; /bin/chmod +x "${installed}/$arg";; esac; done`,
      ].join("\n"),
    );
  const run = spawnSync("/bin/bash", [SCRIPT], {
    encoding: "utf8",
    env: { PATH: `${bin}:${installed}`, FAKE_UID: String(machine.uid), FAKE_LOG: log },
  });
  return {
    status: run.status,
    stderr: run.stderr,
    stdout: run.stdout,
    log: readFileSync(log, "utf8").trim().split("\n").filter(Boolean),
    nowInstalled: (tool: string) =>
      spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { env: { PATH: installed } }).status === 0,
  };
}

describe("scripts/setup-machine.sh", () => {
  it("does nothing, silently, when chromium, zsh and fish are there", () => {
    const run = runSetup({ uid: 1000, present: ["chromium", "zsh", "fish"], sudo: "password" });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.log).toEqual([]);
  });

  it("as root, installs only what is missing with apt-get", () => {
    const run = runSetup({ uid: 0, present: ["zsh"] });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("installing Debian's chromium fish for the tests");
    expect(run.log).toEqual([
      "apt-get update -qq (uid 0, DEBIAN_FRONTEND=noninteractive)",
      "apt-get install -y -qq --no-install-recommends chromium fish (uid 0, DEBIAN_FRONTEND=noninteractive)",
    ]);
    expect(["chromium", "zsh", "fish"].filter((t) => !run.nowInstalled(t))).toEqual([]);
  });

  it("not root, with sudo that needs no password: installs through sudo -n", () => {
    const run = runSetup({ uid: 1000, present: ["chromium"], sudo: "passwordless" });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      "sudo apt-get update && sudo apt-get install -y --no-install-recommends zsh fish",
    );
    expect(run.log).toEqual([
      "sudo -n true",
      "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
      "apt-get update -qq (uid 0, DEBIAN_FRONTEND=noninteractive)",
      "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zsh fish",
      "apt-get install -y -qq --no-install-recommends zsh fish (uid 0, DEBIAN_FRONTEND=noninteractive)",
    ]);
    expect(run.nowInstalled("zsh") && run.nowInstalled("fish")).toBe(true);
  });

  it.each([
    ["no sudo", "none"],
    ["sudo asking for a password", "password"],
  ] as const)(
    "not root, %s, packages missing: says the exact command and exits 1 before installing anything",
    (_, sudo) => {
      const run = runSetup({ uid: 1000, present: ["zsh"], sudo });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        "setup-machine: the tests need Debian's chromium fish, missing here; installing needs root and sudo cannot run without a password. " +
          "Run: sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium fish " +
          "(or, as root: apt-get update && apt-get install -y --no-install-recommends chromium fish), then npm test again\n",
      );
      expect(run.log.filter((l) => l.startsWith("apt-get"))).toEqual([]);
    },
  );

  it("as root, when apt-get fails: its message, then the command to run, exit 1", () => {
    const run = runSetup({ uid: 0, aptGet: "fails" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("E: Unable to locate package chromium");
    expect(run.stderr).toContain(
      "setup-machine: installing chromium zsh fish failed (apt-get's message is above). " +
        "Run: apt-get update && apt-get install -y --no-install-recommends chromium zsh fish, then npm test again",
    );
  });

  it("without apt-get (not Debian): names the tools to install and exits 1", () => {
    const run = runSetup({ uid: 0, present: ["chromium", "fish"], aptGet: "absent" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the tests need zsh, missing here, and this machine has no apt-get");
    expect(run.stderr).toContain("install zsh with your system's package manager");
  });
});
