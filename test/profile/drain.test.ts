import { describe, expect, it } from "vitest";
import { z } from "zod";
import { drainSkipReason } from "../../src/profile/drain.js";
import {
  DEFAULT_DRAIN_POLICY,
  drainPolicy,
  osImage,
  parseProfile,
  profileFileSchema,
} from "../../src/profile/index.js";
import { diagnosticsOf, profileText } from "./helpers.js";

const withOs = (os: string) => parseProfile(profileText({ os }), "p.yaml");

describe("drainPolicy", () => {
  it("defaults when pack.drain is absent", () => {
    expect(drainPolicy(withOs("{}"))).toEqual({
      cordon: true,
      timeoutMs: 60_000,
      gracePeriodMs: 60_000,
      ignoreDaemonSets: true,
      deleteLocalData: true,
      force: false,
    });
    expect(DEFAULT_DRAIN_POLICY.timeoutMs).toBe(60_000);
  });

  it("reads Palette's keys, durations as seconds or with units", () => {
    const p = withOs(
      "{pack.drain: {cordon: false, timeout: 2m, gracePeriod: 15, ignoreDaemonSets: false, deleteLocalData: false, force: true}}",
    );
    expect(drainPolicy(p)).toEqual({
      cordon: false,
      timeoutMs: 120_000,
      gracePeriodMs: 15_000,
      ignoreDaemonSets: false,
      deleteLocalData: false,
      force: true,
    });
  });

  // Skip Node Draining During Upgrades: the keys sit under the OS layer's pack:, next to pack.drain.
  it("reads pack.drainPods, pack.podSelector and pack.disableEviction (absent: auto, every pod, evict)", () => {
    const p = withOs(
      "{pack: {drainPods: true, podSelector: 'app!=kiosk,upgrade.cattle.io/plan!=worker-plan', disableEviction: true}}",
    );
    expect(drainPolicy(p)).toMatchObject({
      drainPods: "true",
      podSelector: "app!=kiosk,upgrade.cattle.io/plan!=worker-plan",
      disableEviction: true,
      cordon: true,
    });
    expect(drainPolicy(withOs("{pack: {drainPods: auto}}")).drainPods).toBe("auto");
    expect(drainPolicy(withOs("{pack: {drainPods: 'false'}}")).drainPods).toBe("false");
    expect(drainPolicy(withOs("{}")).drainPods).toBeUndefined();
  });

  it("a drainPods that is not auto, true or false is an input error at its path", () => {
    expect(diagnosticsOf(() => drainPolicy(withOs("{pack: {drainPods: sometimes}}")))).toEqual([
      'p.yaml: layers.os.values.pack.drainPods: must be auto, true or false (got "sometimes")',
    ]);
  });

  it("drainSkipReason: auto skips one node only, false skips all, true none", () => {
    expect(drainSkipReason({}, 1)).toBe("drainPods auto: a single-node cluster is not drained");
    expect(drainSkipReason({ drainPods: "auto" }, 2)).toBeUndefined();
    expect(drainSkipReason({ drainPods: "true" }, 1)).toBeUndefined();
    expect(drainSkipReason({ drainPods: "false" }, 5)).toBe("drainPods false");
  });

  it("takes rendered values (a macro for the timeout)", () => {
    const p = parseProfile(
      profileText({
        header: "variables: {t: 90s}",
        os: "{pack: {drain: {timeout: '{{ .spectro.var.t }}'}}}",
      }),
      "p.yaml",
    );
    expect(drainPolicy(p).timeoutMs).toBe(90_000);
  });

  it("bad values are input errors naming their paths", () => {
    expect(diagnosticsOf(() => drainPolicy(withOs("{pack.drain: {timeout: soon, cordon: maybe}}")))).toEqual([
      'p.yaml: layers.os.values.pack.drain.cordon: must be true or false (got "maybe")',
      'p.yaml: layers.os.values.pack.drain.timeout: must be a duration such as 60 (seconds) or 60s (got "soon")',
    ]);
  });
});

describe("osImage", () => {
  it("is the rendered options.system.uri", () => {
    const p = withOs(
      "{options.system: {uri: '{{ .spectro.pack.edge-native-byoi.options.system.repo }}:{{ .spectro.system.kubernetes.version }}', repo: quay.io/os}}",
    );
    expect(osImage(p)).toBe("quay.io/os:1.30.5");
  });

  it("falls back to pack@version", () => {
    expect(osImage(withOs("{}"))).toBe("edge-native-byoi@2.1.0");
  });
});

describe("schema", () => {
  it("generates a JSON Schema that keeps the strictness", () => {
    const schema = z.toJSONSchema(profileFileSchema) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(schema.required).toEqual(["name", "layers"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toContain("variables");
  });
});
