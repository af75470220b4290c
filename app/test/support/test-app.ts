import type { FastifyInstance } from "fastify";
import pino from "pino";
import { buildApp, type AppOptions } from "../../src/app";
import { loadConfig, type AppConfig } from "../../src/config";
import type { Publisher } from "../../src/outbox/publisher";
import { createRuntime, type Runtime } from "../../src/runtime";

export const silentLog = pino({ level: "silent" });

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  config: AppConfig;
  /** A dev token for `subject` with the given realm roles. */
  tokenFor(subject: string, roles?: string[], ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

/** The real app on an embedded PGlite database (or `env` settings), driven through fastify.inject. */
export async function startTestApp(
  env: Record<string, string> = {},
  publisher?: Publisher,
  appOptions: Pick<AppOptions, "requestTimeoutMs"> = {},
): Promise<TestApp> {
  const config = loadConfig(env);
  const runtime = await createRuntime(config, silentLog, { processMetrics: false, ...(publisher ? { publisher } : {}) });
  const app = buildApp(runtime.services, { bodyLimitBytes: config.bodyLimitBytes, logger: undefined, corsAllowedOrigins: config.corsAllowedOrigins, ...appOptions });
  await app.ready();
  return {
    app,
    runtime,
    config,
    async tokenFor(subject, roles = [], ttlSeconds = 600) {
      const issuer = runtime.localIssuer;
      if (!issuer) throw new Error("the local issuer is only available without OIDC_ISSUER");
      return issuer.issue({ subject, roles, ttlSeconds });
    },
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
