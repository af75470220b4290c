import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { createRuntime } from "../src/runtime";

export const OPENAPI_PATH = join(__dirname, "..", "openapi.json");

/**
 * The OpenAPI document as the deployed API serves it: built from a production-like configuration (no dev token
 * route), embedded database, nothing listening. Deterministic, so the committed copy can be compared byte for byte.
 */
export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({ NODE_ENV: "production" });
  const runtime = await createRuntime(config, pino({ level: "silent" }), { processMetrics: false });
  const app = buildApp(runtime.services, { bodyLimitBytes: config.bodyLimitBytes, logger: undefined, corsAllowedOrigins: [] });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await runtime.close();
  }
}

/** `npm run openapi -w app`: rewrites app/openapi.json. */
if (require.main === module) {
  generateOpenApiDocument()
    .then((document) => writeFile(OPENAPI_PATH, document))
    .then(() => console.log(`wrote ${OPENAPI_PATH}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
