import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `node bin/edgesim.js ARGS` with `input` on its standard input (a pipe), as a shell would run it. */
function edgesim(args: string[], input: string | Buffer, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ["bin/edgesim.js", ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { status: result.status, out: result.stdout, err: result.stderr };
}

const BASE = "scenarios/profiles/k3s-base.yaml";
const NEXT = "scenarios/profiles/k3s-registry-change.yaml";
const SCENARIO = "scenarios/story-single-control-plane.yaml";

describe("- reads standard input", () => {
  it("plan - TO and plan FROM - print the plan of the same files", () => {
    const files = edgesim(["plan", BASE, NEXT, "--json"], "");
    const fromStdin = edgesim(["plan", "-", NEXT, "--json"], readFileSync(BASE));
    const toStdin = edgesim(["plan", BASE, "-", "--json"], readFileSync(NEXT));
    expect(files.status).toBe(0);
    expect(fromStdin.status).toBe(0);
    expect(toStdin.status).toBe(0);
    expect(JSON.parse(fromStdin.out).changes).toEqual(JSON.parse(files.out).changes);
    expect(JSON.parse(toStdin.out).changes).toEqual(JSON.parse(files.out).changes);
    expect(JSON.parse(toStdin.out).behavior).toBe("repave");
  });

  it("a YAML error on standard input is reported at <stdin>:line:col", () => {
    const { status, err, out } = edgesim(["plan", "-", BASE], "name: x\nlayers:\n  os: { pack: a\n");
    expect(status).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(/^error: <stdin>:\d+:\d+: /);
  });

  it("standard input is bounded like a file: the size cap, strict UTF-8", () => {
    const big = edgesim(["plan", "-", BASE], `name: x\n# ${"x".repeat(40_000)}\n`, {
      EDGESIM_MAX_FILE_MIB: "0.02",
    });
    expect(big.status).toBe(1);
    expect(big.err).toMatch(
      /^error: <stdin>: is larger than 20\.5 KiB \(at least [\d.]+ KiB\): .*set EDGESIM_MAX_FILE_MIB to raise the limit\n$/,
    );
    const bad = edgesim(["plan", "-", BASE], Buffer.from([0x6e, 0x3a, 0x20, 0xff, 0x0a]));
    expect(bad.status).toBe(1);
    expect(bad.err).toBe(
      "error: <stdin>:1:4: not a YAML text file: byte 0xff is not valid UTF-8 (edgesim reads UTF-8 text)\n",
    );
  });

  it("plan - - is refused: standard input holds one file", () => {
    const { status, err } = edgesim(["plan", "-", "-"], readFileSync(BASE));
    expect(status).toBe(1);
    expect(err).toBe("error: <stdin>: FROM and TO cannot both be - (standard input holds one profile)\n");
  });

  it("run - replays a scenario read from standard input; its paths are relative to the current folder", () => {
    const file = edgesim(["run", SCENARIO, "--json"], "");
    const piped = edgesim(
      ["run", "-", "--json"],
      readFileSync(SCENARIO, "utf8").replaceAll("profiles/", "scenarios/profiles/"),
    );
    expect(piped.status).toBe(0);
    const { file: _a, ...fromFile } = JSON.parse(file.out);
    const { file: _b, ...fromStdin } = JSON.parse(piped.out);
    expect(fromStdin).toEqual(fromFile);
  });

  it("report - writes the page of a scenario read from standard input", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-stdin-"));
    const page = join(dir, "timeline.html");
    const text = readFileSync(SCENARIO, "utf8").replaceAll("profiles/", "scenarios/profiles/");
    const { status, out } = edgesim(["report", "-", "-o", page], text);
    expect(status).toBe(0);
    expect(out).toBe(`story-single-control-plane: converged, repave, 13m23s; timeline written to ${page}\n`);
    expect(readFileSync(page, "utf8")).toContain("story-single-control-plane");
  });

  it("run - names <stdin> in its errors, and says when it is given a profile", () => {
    const bad = edgesim(["run", "-"], "name: x\ncluster: { controlPlanes: soon }\nprofile: p.yaml\n");
    expect(bad.status).toBe(1);
    expect(bad.err).toBe('error: <stdin>:2:27: cluster.controlPlanes: must be a number (got "soon")\n');
    const profile = edgesim(["run", "-"], readFileSync(BASE));
    expect(profile.err).toMatch(
      /^error: <stdin>: this is a profile \(name, layers\); `edgesim run` takes a scenario/,
    );
  });
});
