// Writes schemas/*.schema.json from the compiled zod schemas (run `npm run schemas`, which builds first).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonSchemas } from "../dist/kinds/json-schema.js";

const folder = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");
mkdirSync(folder, { recursive: true });
for (const [name, text] of Object.entries(jsonSchemas())) {
  writeFileSync(join(folder, name), text);
  console.log(`wrote schemas/${name}`);
}
