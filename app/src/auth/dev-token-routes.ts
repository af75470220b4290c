import type { FastifyInstance } from "fastify";
import type { DevIssuer } from "./dev-issuer";

const devTokenSchema = {
  // Development only: kept out of the OpenAPI document, which describes the API as deployed.
  hide: true,
  body: {
    type: "object",
    properties: {
      sub: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._@-]+$" },
      roles: { type: "array", maxItems: 10, items: { type: "string", pattern: "^[a-z][a-z0-9_-]{0,31}$" }, default: [] },
      ttlSeconds: { type: "integer", minimum: 1, maximum: 86_400, default: 3600 },
      email: { type: "string", maxLength: 254, pattern: "^[^\\s@<>\",;]+@[^\\s@<>\",;]+\\.[^\\s@<>\",;]+$" },
    },
    required: ["sub"],
    additionalProperties: false,
  },
} as const;

/**
 * POST /dev/token mints a token from the process's throwaway key. Registered only with DEV_TOKENS=enabled,
 * which config.ts refuses next to OIDC_ISSUER, DATABASE_URL or NODE_ENV=production.
 */
export function registerDevTokenRoute(app: FastifyInstance, issuer: DevIssuer): void {
  app.post<{ Body: { sub: string; roles: string[]; ttlSeconds: number; email?: string } }>(
    "/dev/token",
    { schema: devTokenSchema },
    async (request) => {
      const { sub, roles, ttlSeconds, email } = request.body;
      const token = await issuer.issue({ subject: sub, roles, ttlSeconds, ...(email ? { email } : {}) });
      return { access_token: token, token_type: "Bearer", expires_in: ttlSeconds };
    },
  );
}
