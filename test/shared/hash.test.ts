import { describe, expect, it } from "vitest";
import {
  hashSeed,
  hashSeedEnd,
  hashSeedFinish,
  hashSeedInit,
  hashSeedPart,
  hashSeedStart,
  hashSeedWord,
} from "../../src/shared/hash.js";

describe("hashSeed in two steps", () => {
  it("gives the seed hashSeed gives for the same parts", () => {
    const firsts: (string | number)[][] = [
      [],
      ["generate"],
      ["trial", 3, "site"],
      [""],
      ["é ✓ 𝄞"],
      [-7, 1.5],
    ];
    const lasts = ["", "store-00001", "site-1000000", "a\u0000b", "𝄞"];
    for (const seed of [0, 1, 42, -1, 4_294_967_295, 2 ** 40 + 3])
      for (const first of firsts)
        for (const last of lasts)
          expect(hashSeedFinish(hashSeedStart(seed, ...first), last)).toBe(hashSeed(seed, ...first, last));
  });

  it("is the hash seeds have always had (a change would redraw every generated fleet)", () => {
    expect(hashSeed(1, "generate", "site-00001")).toBe(
      hashSeedFinish(hashSeedStart(1, "generate"), "site-00001"),
    );
    expect([
      hashSeed(0, "a"),
      hashSeed(1, "generate", "site-00001"),
      hashSeed(7, "trial", 2, "site", 5),
    ]).toEqual(PINNED);
  });
});

const PINNED = [3222490305, 217146316, 3547221400];

describe("hashSeed part by part", () => {
  it("gives the seed hashSeed gives for the same parts", () => {
    const parts = ["", "site-00001", "a\u0000b", "𝄞", "Europe/Paris", "daily 01:00-05:00"];
    for (const seed of [0, 1, 42, -1, 4_294_967_295, 2 ** 40 + 3])
      for (let n = 0; n <= parts.length; n++) {
        const some = parts.slice(0, n);
        let h = hashSeedInit(seed);
        for (const part of some) h = hashSeedPart(h, part);
        expect(hashSeedEnd(h)).toBe(hashSeed(seed, ...some));
      }
  });
});

describe("hashSeed word by word", () => {
  it("takes a word as a part takes a character: a part is its characters' words, then a NUL", () => {
    for (const text of ["", "a", "site-00001", "𝄞"]) {
      let h = hashSeedInit(9);
      for (let i = 0; i < text.length; i++) h = hashSeedWord(h, text.charCodeAt(i));
      expect(hashSeedWord(h, 0)).toBe(hashSeedPart(hashSeedInit(9), text));
    }
    // One word changed anywhere changes the state.
    const words = [1, 2, 3, 2 ** 32 - 1];
    const of = (list: number[]) => list.reduce(hashSeedWord, hashSeedInit(0));
    for (let i = 0; i < words.length; i++)
      expect(of(words.map((w, k) => (k === i ? w ^ 1 : w)))).not.toBe(of(words));
  });
});
