#!/usr/bin/env node
// The bundled CLI (npm run build, which `npm ci` runs through prepare); see scripts/bundle.js. A shard
// without --threads is run again in a child process on one core first (see src/cli/launch.ts).
import { relaunch } from "../dist/bundle/launch.js";

const argv = process.argv.slice(2);
const child = await relaunch(argv, process.argv[1]);
if (child === undefined) {
  const { main } = await import("../dist/bundle/edgesim.js");
  process.exitCode = await main(argv);
} else if ("signal" in child) process.kill(process.pid, child.signal);
else process.exitCode = child.code;
