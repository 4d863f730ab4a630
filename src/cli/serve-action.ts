import { resolve } from "node:path";
import { folderArgument } from "./argument.js";
import type { Io } from "./io.js";
import type { ServeCommandOptions } from "./serve-options.js";

/** What `edgesim serve [DIR]` does: start the server, print its URL, and open it when asked. */
export async function serveCommand(
  io: Io,
  setExit: (code: number) => void,
  dir: string | undefined,
  options: ServeCommandOptions,
): Promise<void> {
  if (dir !== undefined) folderArgument(io, dir, "serve");
  const { startServer, openInBrowser } = await import("../serve/server.js");
  const server = await startServer({
    dir: resolve(io.cwd, dir ?? "."),
    port: options.port,
    host: options.host,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.results !== undefined ? { results: resolve(io.cwd, options.results) } : {}),
    ...(options.operator !== undefined ? { operator: options.operator } : {}),
  });
  io.stdout(
    `edgesim serve: ${server.url}\n${server.urls
      .slice(1)
      .map((url) => `               ${url}\n`)
      .join("")}(Ctrl-C to stop)\n`,
  );
  if (options.open) openInBrowser(server.url);
  setExit(0);
}
