#!/usr/bin/env node
// The bundled CLI (npm run build, which `npm ci` runs through prepare); see scripts/bundle.js.
import { main } from "../dist/bundle/edgesim.js";

process.exitCode = await main(process.argv.slice(2));
