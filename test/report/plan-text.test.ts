import { describe, expect, it } from "vitest";
import { formatPlanMarkdown } from "../../src/report/plan-markdown.js";
import { formatPlanText, servicesPhrase } from "../../src/report/plan-text.js";
import type { Plan } from "../../src/rules/types.js";

const plan = (behavior: Plan["behavior"]): Plan => ({
  from: "a",
  to: "b",
  distribution: "k3s",
  behavior,
  changes: [],
  services: ["kubernetes"],
  unsupported: [],
  warnings: [],
});

describe("services restarted", () => {
  it("names the services a service restart restarts", () => {
    expect(servicesPhrase(plan("service-restart"))).toBe("kubernetes");
    expect(formatPlanText(plan("service-restart"), { color: false })).toContain(
      "Services restarted: kubernetes\n",
    );
  });

  it("does not list them as a step of their own when the nodes reboot or are repaved anyway", () => {
    for (const behavior of ["reboot", "repave"] as const) {
      const text = formatPlanText(plan(behavior), { color: false });
      expect(text).toContain(
        `Services restarted: none on their own (kubernetes restart with the ${behavior})`,
      );
      expect(formatPlanMarkdown(plan(behavior))).toContain(
        `none on their own (\`kubernetes\` restart with the ${behavior})`,
      );
    }
  });
});
