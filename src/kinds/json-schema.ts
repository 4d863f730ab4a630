import * as z from "zod";
import { fleetSchema } from "../fleet/file-schema.js";
import { profileFileSchema } from "../profile/schema.js";
import { scenarioSchema } from "../scenario/schema.js";

/**
 * The JSON Schemas shipped in `schemas/`, generated from the very zod schemas the loaders use, so an
 * editor and `edgesim` never disagree. `io: "input"` describes what a person writes (defaults optional).
 */
export function jsonSchemas(): Record<string, string> {
  return {
    "profile.schema.json": render(profileFileSchema, "edgesim profile"),
    "scenario.schema.json": render(scenarioSchema, "edgesim scenario"),
    "fleet.schema.json": render(fleetSchema, "edgesim fleet"),
  };
}

function render(schema: z.ZodType, title: string): string {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = json;
  return `${JSON.stringify({ $schema, title, ...rest }, null, 2)}\n`;
}
