import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { buildBundle } from "../../scripts/build";
import { httpRequest } from "./http-client";

export const APP_ROOT = join(__dirname, "..", "..");

let bundleBuilt: Promise<unknown> | undefined;

/** Builds dist/ once per test run (several suites run the bundled server). */
export function ensureBundle(): Promise<unknown> {
  bundleBuilt ??= buildBundle();
  return bundleBuilt;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface SpawnedServer {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  startupMs: number;
  exited: Promise<number | null>;
}

/** Runs `node dist/main.js` and waits until /healthz answers 200. */
export async function spawnBundledServer(env: Record<string, string> = {}): Promise<SpawnedServer> {
  await ensureBundle();
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(APP_ROOT, "dist", "main.js")], {
    // A clean environment: nothing from the test runner's shell leaks into the server's config.
    env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const health = await httpRequest(port, { path: "/healthz" });
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 20_000) {
      child.kill("SIGKILL");
      throw new Error(`server did not start within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, port, output: () => output, startupMs: performance.now() - started, exited };
}
