import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * Fleet plans take `cluster.mode` and `cluster.twoNode` as a scenario's cluster does (the same schema pieces
 * and the same two-node check), and a site its own (`mode`, `twoNode` in the inventory), through the built CLI.
 */

const P = resolve(import.meta.dirname, "../../scenarios/profiles");
const dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-plan-modes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Runs `edgesim fleet FILE` and returns the process and the per-site CSV as rows of name → cells. */
function fleet(name: string, text: string) {
  const file = write(name, text);
  const csv = join(dir, `${name}.csv`);
  const r = spawnEdgesim(["fleet", file, "--allow-outside", "--clusters-csv", csv], {
    cwd: dir,
    timeoutMs: 60_000,
  });
  const rows = new Map<string, Record<string, string>>();
  if (r.status === 0) {
    const [header, ...lines] = readFileSync(csv, "utf8").trim().split("\n");
    const fields = (header as string).split(",");
    for (const line of lines) {
      // The cells used here (name, behavior, why) have no comma but `why`, which is last but one and quoted.
      const quoted = /^(.*?),"(.*)",([^,]*)$/.exec(line);
      const cells = quoted
        ? [
            ...(quoted[1] as string).split(","),
            (quoted[2] as string).replaceAll('""', '"'),
            quoted[3] as string,
          ]
        : line.split(",");
      rows.set(cells[0] as string, Object.fromEntries(fields.map((f, i) => [f, cells[i] ?? ""])));
    }
  }
  return { ...r, rows };
}

/** A plan of sites on the systemd-extension profile (system.uri NA) bumping Kubernetes. */
function sysextPlan(name: string, cluster: string, inventory: string): string {
  return `name: ${name}
from: ${P}/sc-k3s-sysext.yaml
update: ${P}/sc-k3s-sysext-kubernetes-upgrade.yaml
cluster: { shape: "1+1"${cluster} }
inventory: ${inventory}
strategy:
  waves: [{ name: all, rest: true, concurrency: 5 }]
`;
}

describe("fleet plans: cluster.mode and per-site mode", () => {
  ensureBuilt();

  it("with cluster.mode sysext a Kubernetes bump repaves; agent mode reboots; appliance (uri NA) repaves", () => {
    const sites = "{ sites: [{ name: a, timeZone: UTC }, { name: b, timeZone: UTC }] }";
    const behaviors = Object.fromEntries(
      ["sysext", "agent", "appliance"].map((mode) => {
        const r = fleet(`mode-${mode}.yaml`, sysextPlan(`mode-${mode}`, `, mode: ${mode}`, sites));
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        return [mode, [...r.rows.values()].map((row) => row.behavior)];
      }),
    );
    expect(behaviors).toEqual({
      sysext: ["repave", "repave"],
      agent: ["reboot", "reboot"],
      // appliance mode on a profile with system.uri NA is the systemd-extension delivery (CanvOS 4.10).
      appliance: ["repave", "repave"],
    });
  });

  it("a site's mode in the CSV overrides the plan's cluster.mode", () => {
    write("modes.csv", "name,timeZone,mode\nplan-mode,UTC,\nown-agent,UTC,agent\nown-sysext,UTC,sysext\n");
    const r = fleet("csv-modes.yaml", sysextPlan("csv-modes", ", mode: agent", "{ csv: modes.csv }"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(Object.fromEntries([...r.rows].map(([name, row]) => [name, row.behavior]))).toEqual({
      "plan-mode": "reboot",
      "own-agent": "reboot",
      "own-sysext": "repave",
    });
    expect(r.stdout).toContain("behaviors: reboot 2, repave 1");
  });

  it("the planner's warnings are printed once per (from, to, mode), as edgesim plan prints them, not per site", () => {
    const plan = spawnEdgesim(
      ["plan", `${P}/sc-k3s-sysext.yaml`, `${P}/sc-k3s-sysext-kubernetes-upgrade.yaml`, "--json"],
      { cwd: dir, timeoutMs: 60_000 },
    );
    const noMode = (JSON.parse(plan.stdout) as { warnings: string[] }).warnings;
    expect(noMode).toEqual([
      expect.stringContaining('options.system.uri is "NA" and no delivery mode was given'),
    ]);
    write("warned.csv", "name,timeZone,mode\na,UTC,\nb,UTC,\nc,UTC,\nd,UTC,agent\n");
    const r = fleet("warned.yaml", sysextPlan("warned", "", "{ csv: warned.csv }"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("warnings ("));
    expect(lines[at]).toMatch(/^warnings \(2\), /);
    // The three sites with no mode: one line, with the plan's own words; the agent site: its plan's warning.
    expect(lines[at + 1]).toBe(
      `  - sc-k3s-sysext → sc-k3s-sysext-kubernetes-upgrade (3 sites, no mode given): ${noMode[0]}`,
    );
    expect(lines[at + 2]).toMatch(
      /^ {2}- sc-k3s-sysext → sc-k3s-sysext-kubernetes-upgrade \(1 site, mode agent\): 1 change decided by edgesim's choice/,
    );
    expect(r.stdout.split(noMode[0] as string).length).toBe(2);
    // --json carries them too; a plan whose sites all give a mode has no such warning.
    const json = spawnEdgesim(["fleet", join(dir, "warned.yaml"), "--allow-outside", "--json"], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    const warnings = (JSON.parse(json.stdout) as { warnings: { text: string; plans: unknown[] }[] }).warnings;
    expect(warnings[0]).toEqual({
      text: noMode[0],
      plans: [{ from: "sc-k3s-sysext", to: "sc-k3s-sysext-kubernetes-upgrade", mode: null, sites: 3 }],
    });
    const sysext = fleet(
      "all-sysext.yaml",
      sysextPlan("all-sysext", ", mode: sysext", "{ csv: warned.csv }"),
    );
    expect(sysext.status).toBe(0);
    expect(sysext.stdout).not.toContain("no delivery mode was given");
  });

  it("a bad mode in the CSV is named by row and column", () => {
    write("bad-mode.csv", "name,timeZone,mode\nok,UTC,agent\nbad,UTC,sideways\n");
    const r = fleet("bad-mode.yaml", sysextPlan("bad-mode", "", "{ csv: bad-mode.csv }"));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(
      /bad-mode\.csv:3:3: row 3, column mode: mode must be one of appliance, sysext, agent \(got "sideways"\)/,
    );
  });

  it("a bad mode in a YAML site is named at its dotted path", () => {
    const r = fleet(
      "bad-yaml-mode.yaml",
      sysextPlan("bad-yaml-mode", "", "{ sites: [{ name: a, timeZone: UTC, mode: weird }] }"),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /bad-yaml-mode\.yaml:\d+:\d+: inventory\.sites\[0\]\.mode: must be one of appliance, sysext, agent \(got "weird"\)/,
    );
  });
});

describe("fleet plans: two-node sites", () => {
  ensureBuilt();

  const plan = (
    name: string,
    cluster: string,
    sites: string,
    update = "k3s-kubernetes-upgrade",
  ) => `name: ${name}
from: ${P}/k3s-base.yaml
update: ${P}/${update}.yaml
cluster: { shape: "2+1"${cluster} }
inventory:
  sites:
${sites}
strategy:
  waves: [{ name: all, rest: true, concurrency: 5 }]
`;

  it("a two-node plan shows each site's write outage; a site with twoNode: false has none", () => {
    const r = fleet(
      "pairs.yaml",
      plan(
        "pairs",
        ", twoNode: true",
        `    - { name: pair, timeZone: UTC }
    - { name: pair-cp2, timeZone: UTC, twoNode: { leader: cp-2 } }
    - { name: plain, timeZone: UTC, twoNode: false }`,
      ),
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const name of ["pair", "pair-cp2"]) {
      const row = r.rows.get(name) as Record<string, string>;
      expect(row.result).toBe("converged");
      const ms = Number(/write outage \S+ \((\d+) ms in total/.exec(row.why ?? "")?.[1]);
      // The leader repaves: writes are down for minutes, not for nothing.
      expect(ms).toBeGreaterThan(60_000);
    }
    expect(r.rows.get("plain")?.why).toBe("");
    expect(r.stdout).toMatch(/write outage: 2 two-node sites, at most \d+m\d+s each/);
  });

  it("a two-node site updated to RKE2 is refused and says so; it stays on its profile", () => {
    const r = fleet(
      "pair-to-rke2.yaml",
      plan(
        "pair-to-rke2",
        ", twoNode: true",
        "    - { name: pair, timeZone: UTC }",
        "rke2-kubernetes-upgrade",
      ),
    );
    expect(r.status).toBe(0);
    const row = r.rows.get("pair") as Record<string, string>;
    expect(row.why).toMatch(
      /^update to rke2-kubernetes-upgrade refused: two-node clusters support K3s and Canonical only, not rke2 .*\(rule two-node\.distribution\)$/,
    );
    expect(row.versions).toBe("k3s-base");
    expect(r.stdout).toMatch(
      /sites not converged or refused \(1\)\n\s+pair \(all\): update refused, stays on k3s-base/,
    );
  });

  it("a two-node site on a uri-NA profile with no mode is refused as sysext, the one reading plan, run and fleet share", () => {
    // plan --two-node: the planner reads uri "NA" with no mode as sysext, which two-node clusters do not support.
    const planned = spawnEdgesim(
      [
        "plan",
        `${P}/sc-k3s-sysext.yaml`,
        `${P}/sc-k3s-sysext-kubernetes-upgrade.yaml`,
        "--two-node",
        "--json",
      ],
      { cwd: dir, timeoutMs: 60_000 },
    );
    expect(planned.status).toBe(2);
    const unsupported = (JSON.parse(planned.stdout) as { unsupported: { rule: string; reason: string }[] })
      .unsupported;
    expect(unsupported.map((u) => u.rule)).toEqual(["two-node.sysext"]);
    const reason = unsupported[0]?.reason ?? "";
    // The reading is said as an assumption, with the pages and sections it rests on.
    expect(reason).toContain("systemd extensions § Two-Node Cluster Considerations");
    expect(reason).toContain(
      'assumed: options.system.uri "NA" with no delivery mode given is read as systemd-extension delivery',
    );
    expect(reason).toContain("Deliver Kubernetes and Agent Binaries via systemd Extensions § New Clusters");
    expect(reason).toContain("Two-Node Architecture § Limitations");

    // A fleet's two-node site: the same refusal, the same words; it stays on its profile.
    const r = fleet(
      "pair-na.yaml",
      `name: pair-na
from: ${P}/sc-k3s-sysext.yaml
update: ${P}/sc-k3s-sysext-kubernetes-upgrade.yaml
cluster: { shape: "2+1", twoNode: true }
inventory: { sites: [{ name: pair, timeZone: UTC }] }
strategy:
  waves: [{ name: all, rest: true, concurrency: 5 }]
`,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const row = r.rows.get("pair") as Record<string, string>;
    expect(row.why).toBe(
      `update to sc-k3s-sysext-kubernetes-upgrade refused: ${reason} (rule two-node.sysext)`,
    );
    expect(row.versions).toBe("sc-k3s-sysext");

    // A scenario: refused when published, the same words.
    const scenario = write(
      "pair-na-scenario.yaml",
      `name: pair-na-scenario
cluster: { controlPlanes: 2, workers: 1, twoNode: true }
profile: ${P}/sc-k3s-sysext.yaml
events:
  - { at: 1m, update: ${P}/sc-k3s-sysext-kubernetes-upgrade.yaml }
`,
    );
    const run = spawnEdgesim(["run", scenario, "--allow-outside", "--json"], { cwd: dir, timeoutMs: 60_000 });
    const refused = (JSON.parse(run.stdout) as { refused: { rule: string; reason: string }[] }).refused;
    expect(refused).toEqual([expect.objectContaining({ rule: "two-node.sysext", reason })]);
  });

  it("two-node on RKE2 is refused at load, at the plan's key or the site's field, with the page cited", () => {
    const rke2 = `name: pairs-rke2
from: ${P}/rke2-base.yaml
update: ${P}/rke2-kubernetes-upgrade.yaml
cluster:
  shape: "2+1"
  twoNode: true
inventory:
  sites:
    - { name: a, timeZone: UTC }
    - { name: b, timeZone: UTC }
strategy:
  waves: [{ name: all, rest: true, concurrency: 5 }]
`;
    const r = fleet("pairs-rke2.yaml", rke2);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(
      /pairs-rke2\.yaml:6:12: cluster\.twoNode: two-node clusters support K3s and Canonical only, not rke2 \(Two-Node Architecture § Limitations\).*\(rule two-node\.distribution\) \(sites "a", "b"\)/,
    );
    // Once for the plan's key, not once per site.
    expect(r.stderr.match(/cluster\.twoNode/g)).toHaveLength(1);

    // The same in a CSV: a leader as the cell, and the K3s sites roll.
    write("pairs.csv", "name,timeZone,twoNode,shape\nok,UTC,cp-2,2+1\nalso,UTC,yes,2+1\n");
    const csv = fleet(
      "pairs-csv.yaml",
      `name: pairs-csv
from: ${P}/k3s-base.yaml
update: ${P}/k3s-kubernetes-upgrade.yaml
inventory: { csv: pairs.csv }
strategy:
  waves: [{ name: all, rest: true, concurrency: 5 }]
`,
    );
    expect(csv.stderr).toBe("");
    expect(csv.status).toBe(0);
    expect([...csv.rows.values()].every((row) => /write outage/.test(row.why ?? ""))).toBe(true);
    write(
      "pairs-bad.csv",
      `name,timeZone,twoNode,shape,mode,profile\nrke,UTC,yes,2+1,,${P}/rke2-base.yaml\nsys,UTC,yes,2+1,sysext,\nthree,UTC,yes,3+1,,\nodd,UTC,maybe,,,\n`,
    );
    const bad = fleet(
      "pairs-bad.yaml",
      `name: pairs-bad
from: ${P}/k3s-base.yaml
update: { k3s: ${P}/k3s-kubernetes-upgrade.yaml, rke2: ${P}/rke2-kubernetes-upgrade.yaml }
inventory: { csv: pairs-bad.csv }
strategy:
  waves: [{ name: all, rest: true, concurrency: 5 }]
`,
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /pairs-bad\.csv:2:3: row 2, column twoNode: two-node clusters support K3s and Canonical only, not rke2 .*\(rule two-node\.distribution\) \(site "rke"\)/,
    );
    expect(bad.stderr).toMatch(
      /pairs-bad\.csv:3:5: row 3, column mode: two-node clusters do not support systemd extensions.*\(rule two-node\.sysext\)/,
    );
    expect(bad.stderr).toMatch(
      /pairs-bad\.csv:4:4: row 4, column shape: a two-node cluster has exactly 2 control planes \(Two-Node Architecture § Limitations\), not 3/,
    );
    expect(bad.stderr).toMatch(
      /pairs-bad\.csv:5:3: row 5, column twoNode: twoNode is yes, no or the leader \(cp-1 or cp-2\), got "maybe"/,
    );
  });

  it("a bad leader in cluster.twoNode is named at its key, not as an invalid union", () => {
    const r = fleet(
      "bad-leader.yaml",
      plan("bad-leader", ", twoNode: { leader: cp-3 }", "    - { name: a, timeZone: UTC }"),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /bad-leader\.yaml:4:\d+: cluster\.twoNode\.leader: must be one of cp-1, cp-2 \(got "cp-3"\)/,
    );
    expect(r.stderr).not.toContain("Invalid input");
  });
});
