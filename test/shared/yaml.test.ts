import { describe, expect, it } from "vitest";
import { InputError } from "../../src/shared/diagnostics.js";
import { parseDuration } from "../../src/shared/duration.js";
import { parseYamlFile, positionOf } from "../../src/shared/yaml.js";

function diagnostics(text: string) {
  try {
    parseYamlFile(text, "f.yaml");
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics;
    throw error;
  }
  throw new Error("expected an InputError");
}

// Found by test/robustness: these used to escape as a ReferenceError or a stack overflow further on.
describe("parseYamlFile: aliases the yaml library only trips over when converting", () => {
  it.each([
    ["an alias with no anchor", "a: 1\nb: *missing\n", 2, 4, /\*missing has no anchor/],
    ["an alias before its anchor", "*x : 1\nb: &x 2\n", 1, 1, /\*x has no anchor/],
    ["an alias inside the list it names", "a: &x [*x]\n", 1, 8, /inside the node it names/],
    ["an alias inside the mapping it names", "a: &x\n  b:\n    c: *x\n", 3, 8, /inside the node it names/],
  ])("%s is an input error at the alias", (_what, text, line, col, message) => {
    const [d, ...rest] = diagnostics(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ file: "f.yaml", line, col });
    expect(d?.message).toMatch(message);
  });

  it("an alias to an earlier sibling still reads", () => {
    expect(parseYamlFile("a: &x { b: 1 }\nc: *x\n", "f.yaml").value).toEqual({ a: { b: 1 }, c: { b: 1 } });
  });

  it("a file of comments only puts its problems at 1:1", () => {
    expect(positionOf(parseYamlFile("# nothing\n", "f.yaml"), ["name"])).toEqual({ line: 1, col: 1 });
  });
});

describe("parseDuration: digits too many for a double", () => {
  it.each(["9".repeat(400), `${"9".repeat(400)}d`, `1m${"9".repeat(400)}s`])(
    "%s is no duration (it read as Infinity)",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it("nor is a number of seconds whose milliseconds overflow", () => {
    expect(parseDuration(1e308)).toBeUndefined();
    expect(parseDuration("1e3")).toBeUndefined();
    expect(parseDuration(90)).toBe(90_000);
  });
});

describe("unquoted macros", () => {
  it("are reported where they stand instead of being read as a mapping", () => {
    const text =
      'os:\n  uri: {{ .spectro.pack.edge-native-byoi.options.system.registry }}\n  ok: "{{ .spectro.var.x }}"\n';
    expect(() => parseYamlFile(text, "p.yaml")).toThrowError(InputError);
    try {
      parseYamlFile(text, "p.yaml");
    } catch (error) {
      expect((error as InputError).diagnostics).toEqual([
        {
          file: "p.yaml",
          line: 2,
          col: 8,
          message:
            "unquoted macro {{ .spectro.pack.edge-native-byoi.options.system.registry }} is read as a YAML mapping: put the whole value in quotes",
        },
      ]);
    }
  });

  it("leave ordinary flow mappings alone", () => {
    expect(parseYamlFile("a: { b: 1 }\nc: '{{ x }}'\n", "p.yaml").value).toEqual({
      a: { b: 1 },
      c: "{{ x }}",
    });
  });
});

describe("positionOf finds keys as the plain value has them", () => {
  it("a key written as a number or boolean is found on its own line, not at the mapping", () => {
    const yaml = parseYamlFile("name: a\ncluster:\n  1: x\n  true: y\n", "f.yaml");
    expect(positionOf(yaml, ["cluster", "1"])).toEqual({ line: 3, col: 6 });
    expect(positionOf(yaml, ["cluster", "true"])).toEqual({ line: 4, col: 9 });
  });

  it("a merged key is found where the anchored mapping holds it", () => {
    const yaml = parseYamlFile("base: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\n", "f.yaml");
    expect(yaml.value).toEqual({ base: { x: 1 }, m: { x: 1, y: 2 } });
    expect(positionOf(yaml, ["m", "x"])).toEqual({ line: 2, col: 6 });
    expect(positionOf(yaml, ["m", "y"])).toEqual({ line: 5, col: 6 });
  });
});
