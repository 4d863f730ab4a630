import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * Hostile inputs through the real command line (the built bin, as users run it): each must exit 1
 * within a bound with short messages naming the file and the place, no stack trace, and leave every
 * output it was pointed at untouched. The bound is a hang check (a FIFO or /dev/zero used to block
 * or grow forever), not a speed target.
 */

const BIN = resolve("bin/edgesim.js");
const BASE = resolve("scenarios/profiles/k3s-base.yaml");
const SCENARIO = resolve("scenarios/k3s-noop-does-nothing.yaml");
const HANG_BOUND_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), "edgesim-hostile-"));

beforeAll(() => {
  ensureBuilt();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnEdgesim(args, { cwd: dir, env, timeoutMs: HANG_BOUND_MS });
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function expectPlacedError(run: ReturnType<typeof cli>, place: RegExp, message: RegExp, maxLines = 3): void {
  expect(run.signal, "it must not hang").toBeNull();
  expect(run.status).toBe(1);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines.length).toBeLessThanOrEqual(maxLines);
  expect(run.stderr).toMatch(place);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);
}

describe("profiles that are not files, too large, or not UTF-8 YAML text", () => {
  const nested = `a: ${"[".repeat(200_000)}${"]".repeat(200_000)}\n`;
  it.each([
    [
      "a FIFO",
      () => {
        const path = join(dir, "fifo.yaml");
        if (!existsSync(path)) spawnSync("mkfifo", [path]);
        return path;
      },
      /fifo\.yaml: is a FIFO/,
      /not a regular file/,
    ],
    ["/dev/zero", () => "/dev/zero", /\/dev\/zero: is a device/, /not a regular file/],
    ["a directory", () => dir, /edgesim-hostile-\w+: is a directory/, /not a regular file/],
    [
      "invalid UTF-8",
      () => file("latin1.yaml", Buffer.from("name: caf\xe9\n", "latin1")),
      /latin1\.yaml:1:10:/,
      /byte 0xe9 is not valid UTF-8/,
    ],
    [
      "a NUL byte",
      () => file("nul.yaml", "name: a\u0000b\n"),
      /nul\.yaml:1:8:/,
      /not a YAML text file: a NUL byte/,
    ],
    [
      "binary junk",
      () => file("junk.yaml", readFileSync(process.execPath).subarray(0, 4096)),
      /junk\.yaml:1:\d+:/,
      /not a YAML text file/,
    ],
    [
      "a duplicate key",
      () => file("dup.yaml", "name: a\nname: b\n"),
      /dup\.yaml:2:1:/,
      /key "name" is set twice/,
    ],
    [
      "an unknown tag",
      () => file("tag.yaml", 'name: !!js/function "x"\n'),
      /tag\.yaml:1:7:/,
      /unknown YAML tag !!js\/function/,
    ],
    [
      "two documents",
      () => file("multi.yaml", "name: a\n---\nname: b\n"),
      /multi\.yaml:2:1:/,
      /holds several YAML documents/,
    ],
    ["an alias bomb", () => file("bomb.yaml", bomb()), /bomb\.yaml:1:1:/, /alias expansions/],
    ["an undefined alias", () => file("alias.yaml", "name: *nowhere\n"), /alias\.yaml:1:7:/, /has no anchor/],
    [
      "deep flow nesting",
      () => file("deep.yaml", nested),
      /deep\.yaml:1:260:/,
      /nested more than 256 levels/,
    ],
  ])("%s is refused, placed", (_what, make, place, message) => {
    expectPlacedError(cli(["plan", make(), BASE]), place, message);
  });

  it("a file over the size cap is refused before it is read, and the cap can be raised", () => {
    const big = file("big.yaml", `name: big\n# ${"x".repeat(2 * 1024 * 1024)}\n`);
    const capped = cli(["plan", big, BASE], { EDGESIM_MAX_FILE_MIB: "1" });
    expectPlacedError(capped, /big\.yaml: is larger than 1\.0 MiB \(2\.0 MiB\)/, /EDGESIM_MAX_FILE_MIB/, 1);
    // Just past the cap, the sizes would round alike: they are given to the byte.
    const over = file("over.yaml", `# ${"x".repeat(1024 * 1024)}\n`);
    expect(cli(["plan", over, BASE], { EDGESIM_MAX_FILE_MIB: "1" }).stderr).toContain(
      "over.yaml: is larger than 1048576 bytes (1048579 bytes)",
    );
    // Raised, the same file is read (and refused for what it is: no layers), not for its size.
    const raised = cli(["plan", big, BASE], { EDGESIM_MAX_FILE_MIB: "4" });
    expect(raised.stderr).not.toMatch(/larger than/);
  });
});

function bomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}

describe("outputs are written into, never replaced", () => {
  it("-o /dev/null stays a device", () => {
    const run = cli(["report", SCENARIO, "-o", "/dev/null"]);
    expect(run.status).toBe(0);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("a symbolic link stays a link; its target gets the page", () => {
    const target = file("real.html", "old");
    const link = join(dir, "link.html");
    rmSync(link, { force: true });
    symlinkSync(target, link);
    expect(cli(["report", SCENARIO, "-o", link]).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, "utf8")).toMatch(/^<!doctype html>/i);
  });

  it("a regular file keeps its mode", () => {
    const target = file("kept.html", "old");
    chmodSync(target, 0o640);
    expect(cli(["report", SCENARIO, "-o", target]).status).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it("a read-only file is an input error naming the option, and is left as it was", () => {
    const target = file("ro.xml", "precious");
    chmodSync(target, 0o444);
    const folder = join(dir, "suite");
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, "s.yaml"),
      readFileSync(SCENARIO, "utf8").replace(/profiles\//g, `${resolve("scenarios/profiles")}/`),
    );
    const run = cli(["test", folder, "--junit", target]);
    expect(run.stderr).toMatch(/ro\.xml: --junit: cannot write: is read-only/);
    expect(run.status).toBe(1);
    expect(readFileSync(target, "utf8")).toBe("precious");
  });

  it("/dev/full is an input error (no space), and stays a device", () => {
    const run = cli(["report", SCENARIO, "-o", "/dev/full"]);
    expectPlacedError(run, /\/dev\/full: -o: cannot write/, /no space left/, 1);
    expect(statSync("/dev/full").isCharacterDevice()).toBe(true);
  });

  it("--log to a device writes through it, and to a folder is refused", () => {
    expect(cli(["run", SCENARIO, "--log", "/dev/null"]).status).toBe(0);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    const folder = join(dir, "logdir");
    mkdirSync(folder, { recursive: true });
    expectPlacedError(cli(["run", SCENARIO, "--log", folder]), /logdir: --log: cannot write/, /directory/, 1);
  });
});

describe("counts and numbers users give are bounded", () => {
  it.each([
    [["plan", BASE, BASE, "--workers", "1000000000"], /--workers/],
    [["plan", BASE, BASE, "--max-unavailable", "99999999999"], /--max-unavailable/],
    [["run", SCENARIO, "--seed", "4294967296"], /--seed.*0 to 4294967295/],
    [["run", SCENARIO, "--seed", "1.5"], /--seed/],
    [["quiz", "--count", "1000000000"], /--count.*from 1 to 1000/],
    [["quiz", "--seed", "-1"], /--seed.*from 0 to 4294967295/],
  ])("%j is refused at once", (args, message) => {
    const run = cli(args);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it(".inf and .nan are said in YAML's words, at their line", () => {
    const text = readFileSync(SCENARIO, "utf8")
      .replace(/profiles\//g, `${resolve("scenarios/profiles")}/`)
      .replace(/at: \w+/, "at: .inf")
      .replace(/workers: \d+/, "workers: .nan");
    const run = cli(["run", file("inf.yaml", text)]);
    expectPlacedError(run, /inf\.yaml:\d+:\d+: /, /must be a finite number \(got \.(inf|nan)\)/, 2);
    expect(run.stderr).not.toMatch(/Invalid input|got null/);
  });

  it("an event a thousand years out is refused at its line", () => {
    const text = readFileSync(SCENARIO, "utf8")
      .replace(/profiles\//g, `${resolve("scenarios/profiles")}/`)
      .replace(/at: \w+/, "at: 8760000h");
    const run = cli(["run", file("far.yaml", text)]);
    expectPlacedError(run, /far\.yaml:\d+:\d+: events\[0\]\.at:/, /longer than a year/, 1);
  });
});

describe("references stay inside the run's root", () => {
  const secret = "password: hunter2\n";
  function layout(): { suite: string; outside: string } {
    const suite = join(dir, "root", "suite");
    const outside = join(dir, "root", "outside");
    mkdirSync(join(suite, "profiles"), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, "secret.txt"), secret);
    writeFileSync(join(outside, "x.txt"), "golden\n");
    writeFileSync(join(suite, "profiles", "base.yaml"), readFileSync(BASE, "utf8"));
    return { suite, outside };
  }
  const scenario = (profile: string, extra = "") =>
    `name: s\ncluster:\n  controlPlanes: 1\n  workers: 0\nprofile: ${profile}\nevents: []\n${extra}`;

  it("a profile outside the folder given to test is refused at the reference, echoing nothing of it", () => {
    const { suite } = layout();
    writeFileSync(join(suite, "s.yaml"), scenario("../outside/secret.txt"));
    const run = cli(["test", suite]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /s\.yaml:5:10: profile: profile "\.\.\/outside\/secret\.txt" resolves outside/,
    );
    expect(run.stdout + run.stderr).not.toMatch(/hunter2|password/);
  });

  it("a golden timeline outside is neither printed nor overwritten with --update", () => {
    const { suite, outside } = layout();
    writeFileSync(
      join(suite, "g.yaml"),
      scenario("profiles/base.yaml", "expect:\n  timeline: ../outside/x.txt\n"),
    );
    const run = cli(["test", suite, "--update"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/expect\.timeline: golden timeline "\.\.\/outside\/x\.txt" resolves outside/);
    expect(readFileSync(join(outside, "x.txt"), "utf8")).toBe("golden\n");
  });

  it("--root and --allow-outside widen it; run's default root is the current folder holding the file", () => {
    const { suite } = layout();
    writeFileSync(join(suite, "s.yaml"), scenario("../outside/secret.txt"));
    const widened = cli(["run", join(suite, "s.yaml"), "--root", join(dir, "root")]);
    // Followed now, so refused for what it is (not a profile), no longer for where it is.
    expect(widened.stderr).not.toMatch(/resolves outside/);
    expect(cli(["run", join(suite, "s.yaml"), "--allow-outside"]).stderr).not.toMatch(/resolves outside/);
    // From the folder above, the file lies inside the current folder: that is the root.
    const fromAbove = spawnSync(process.execPath, [BIN, "run", "suite/s.yaml"], {
      cwd: join(dir, "root"),
      encoding: "utf8",
    });
    expect(fromAbove.stderr).not.toMatch(/resolves outside/);
  });
});
