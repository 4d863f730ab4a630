import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinHeap } from "../../src/shared/heap.js";

describe("MinHeap", () => {
  it("pops in order, whatever the pushes and pops in between", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant("pop" as const))), (ops) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const op of ops) {
          if (op === "pop") {
            model.sort((a, b) => a - b);
            expect(heap.pop()).toBe(model.shift());
          } else {
            heap.push(op);
            model.push(op);
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model.length ? Math.min(...model) : undefined);
        }
      }),
    );
  });
});
