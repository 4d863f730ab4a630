import { describe, expect, it } from "vitest";
import { parseInventoryCsv } from "../../src/fleet/inventory.js";

describe("an inventory's twoNode column", () => {
  it("reads the leader as it reads yes and no: whatever the case", () => {
    const { sites, problems } = parseInventoryCsv(
      "name,timeZone,twoNode\na,UTC,YES\nb,UTC,CP-2\nc,UTC,cp-1\nd,UTC,No\n",
      "inv.csv",
    );
    expect(problems).toEqual([]);
    expect(sites.map((s) => s.twoNode)).toEqual([true, { leader: "cp-2" }, { leader: "cp-1" }, false]);
  });

  it("refuses anything else at its row and column", () => {
    const { problems } = parseInventoryCsv("name,timeZone,twoNode\na,UTC,cp-3\n", "inv.csv");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: "inv.csv",
      line: 2,
      message: 'twoNode is yes, no or the leader (cp-1 or cp-2), got "cp-3"',
    });
  });
});
