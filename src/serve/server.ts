import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import { InputError } from "../shared/diagnostics.js";
import { createApp } from "./app.js";

export interface ServeOptions {
  dir: string;
  port: number;
  host: string;
  token?: string;
  results?: string;
  operator?: string;
}

export interface RunningServer {
  /** The URL to open (with the token, when there is one). */
  url: string;
  /**
   * Every URL it answers at: on a wildcard address (`0.0.0.0`, `::`), one per address of the machine's
   * interfaces (loopback first), since a browser cannot be sent to `0.0.0.0`; else the one URL.
   */
  urls: string[];
  port: number;
  token: string | undefined;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/**
 * Serves the workbench over DIR. On a loopback address no token is needed (and only the loopback names
 * are answered, so a rebound DNS name is refused); on any other address a token is (the one given, or a
 * generated one printed in the URL) and every request without it is refused.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const dir = resolve(options.dir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Said below.
  }
  if (!isDir) throw new InputError([{ file: options.dir, message: "is not a folder to serve" }]);
  const loopback = LOOPBACK.has(options.host);
  const token = options.token ?? (loopback ? undefined : randomBytes(18).toString("base64url"));
  const wildcard = options.host === "0.0.0.0" || options.host === "::";
  const hosts: string[] = [];
  const app = createApp({
    dir,
    hosts: wildcard ? "any" : hosts,
    ...(token !== undefined ? { token } : {}),
    ...(options.results !== undefined ? { results: resolve(options.results) } : {}),
    ...(options.operator !== undefined ? { operator: options.operator } : {}),
  });
  const { serve } = await import("@hono/node-server");
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolveServer(s));
    s.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new InputError([
          {
            file: "--port",
            message:
              error.code === "EADDRINUSE"
                ? `${options.port} is in use on ${options.host}`
                : `cannot listen on ${options.host}:${options.port} (${error.code ?? error.message})`,
          },
        ]),
      ),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const name = options.host.includes(":") ? `[${options.host}]` : options.host;
  hosts.push(`${name}:${port}`);
  if (loopback) hosts.push(`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`);
  const query = token !== undefined ? `?token=${token}` : "";
  const urls = (wildcard ? interfaceAddresses(options.host === "::") : [name]).map(
    (address) => `http://${address}:${port}/${query}`,
  );
  return {
    url: urls[0] as string,
    urls,
    port,
    token,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** The machine's addresses, loopback first (IPv6 ones bracketed, and only for a `::` server). */
function interfaceAddresses(ipv6: boolean): string[] {
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) {
      if (a.family === "IPv4") found.push(a.address);
      else if (ipv6 && a.family === "IPv6" && a.scopeid === 0) found.push(`[${a.address}]`);
    }
  const loopback = (a: string) => a === "127.0.0.1" || a === "[::1]";
  const sorted = [...found.filter(loopback), ...found.filter((a) => !loopback(a))];
  return sorted.length > 0 ? [...new Set(sorted)] : ["127.0.0.1"];
}

/** Opens the URL in the desktop's browser; a failure (no desktop) is not an error: the URL was printed. */
export function openInBrowser(url: string): void {
  const command =
    process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  void import("node:child_process").then(({ spawn }) => {
    try {
      const child = spawn(command, [url], { stdio: "ignore", detached: true });
      child.on("error", () => {});
      child.unref();
    } catch {
      // Nothing to open with.
    }
  });
}
