import type { FastifyInstance } from "fastify";

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check(): Promise<void>;
  /** Reported in /readyz but not required for readiness (the writer, where a replica serves reads). Default false. */
  informational?: boolean;
}

/** How long /readyz waits for a dependency readiness needs. */
export const CHECK_TIMEOUT_MS = 2000;
/**
 * How long it waits for one it only reports (the writer, seen from a region that reads a replica): short, so a
 * black-holed writer (its region lost) never holds /readyz up to the probe's timeout and takes the pods out of service.
 */
export const INFORMATIONAL_CHECK_TIMEOUT_MS = 500;

function withTimeout(check: ReadinessCheck): Promise<void> {
  const timeoutMs = check.informational ? INFORMATIONAL_CHECK_TIMEOUT_MS : CHECK_TIMEOUT_MS;
  return Promise.race([
    check.check(),
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref()),
  ]);
}

/**
 * /healthz says the process is alive (liveness: never depends on other services, or a database blip
 * would restart every pod). /readyz says this pod should get traffic: dependencies answer and it is
 * not shutting down.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: ReadinessCheck[],
  isDraining: () => boolean,
): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    if (isDraining()) return reply.status(503).send({ status: "draining", checks: {} });
    const results = await Promise.all(
      checks.map(async (check) => {
        try {
          await withTimeout(check);
          return [check.name, "ok", check.informational] as const;
        } catch (error) {
          return [check.name, error instanceof Error ? error.message : "failed", check.informational] as const;
        }
      }),
    );
    const ready = results.every(([, outcome, informational]) => outcome === "ok" || informational === true);
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks: Object.fromEntries(results.map(([name, outcome]) => [name, outcome])) });
  });
}
