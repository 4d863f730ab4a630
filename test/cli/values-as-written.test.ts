import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseYamlFile } from "../../src/shared/yaml.js";

const DIR = "test/fixtures/profiles/written";
const PAIR = [`${DIR}/from.yaml`, `${DIR}/to.yaml`];

async function plan(...args: string[]) {
  const io = memoryIo();
  const code = await main(["plan", ...PAIR, ...args], io);
  return { code, out: io.out, err: io.err };
}

describe("plan shows values as written, compares them as Go's YAML reads them", () => {
  it("text: 0644, 1.10, 0x1F and ~ stay as written (golden)", async () => {
    const { code, out } = await plan("--control-planes", "1", "--workers", "1");
    expect(code).toBe(0);
    expect(out).toBe(readFileSync(`${DIR}/plan.golden.txt`, "utf8"));
    expect(out).toContain("0644 → 0600");
    expect(out).toContain("0x1F → 0x2F");
    expect(out).toContain("1.10 → 1.2");
    expect(out).toContain('~ → "VXLAN"');
    expect(out).toContain('"quoted" → "quoted-no-more"');
  });

  it("json: from/to are the values Go's YAML reads (0644 is octal 420), fromText/toText as written", async () => {
    const { code, out } = await plan("--json");
    expect(code).toBe(0);
    const changes = (JSON.parse(out) as { changes: Record<string, unknown>[] }).changes;
    const byPath = Object.fromEntries(changes.map((c) => [c.path, [c.from, c.to, c.fromText, c.toText]]));
    expect(byPath).toEqual({
      "stages.boot[0].files[0].permissions": [0o644, 0o600, "0644", "0600"],
      "calico.encapsulation": [null, "VXLAN", "~", undefined],
      "calico.label": ["quoted", "quoted-no-more", undefined, undefined],
      "calico.mtu": [31, 47, "0x1F", "0x2F"],
      "calico.version": [1.1, 1.2, "1.10", "1.2"],
    });
    // Same meaning, other spelling: 0644 → 420, 1.10 → 1.1, "plain" → plain are not changes.
    expect(Object.keys(byPath)).not.toContain("calico.mode");
    expect(Object.keys(byPath)).not.toContain("calico.ratio");
    expect(Object.keys(byPath)).not.toContain("calico.note");
  });

  it("markdown shows them as written too", async () => {
    const { out } = await plan("--format", "markdown");
    expect(out).toContain("| `0644` → `0600` |");
    expect(out).toContain("| `0x1F` → `0x2F` |");
    expect(out).toContain("| `1.10` → `1.2` |");
  });

  it.each([
    ["0644", 420],
    ["-010", -8],
    ["0o644", 420],
    ['"0644"', "0644"],
    ["'0644'", "0644"],
    ["0", 0],
    ["644", 644],
    ["0x1F", 31],
    ["1.10", 1.1],
    ["yes", "yes"],
    ["~", null],
  ])("a plain %s reads as Go's YAML (yaml.v3) reads it", (written, value) => {
    expect((parseYamlFile(`v: ${written}\n`, "t.yaml").value as { v: unknown }).v).toEqual(value);
  });
});
