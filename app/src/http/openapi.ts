import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { requiresToken } from "../auth/guards";

/** Keywords of our own (validation.ts) are not OpenAPI; they appear as `x-` extensions so the document stays valid. */
const OWN_KEYWORDS: Record<string, string> = { storableText: "x-storable-text", lowercase: "x-lowercase" };

function renameOwnKeywords(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(renameOwnKeywords);
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [OWN_KEYWORDS[key] ?? key, renameOwnKeywords(value)]));
}

/**
 * The OpenAPI 3.1 document, generated from the route schemas (the same schemas that validate requests and serialise
 * responses, so it cannot say something the routes do not do) and served at GET /openapi.json. app/openapi.json is a
 * committed copy that a test keeps equal (`npm run openapi -w app` rewrites it). Register before any route.
 */
export function registerOpenApi(app: FastifyInstance, version: string): void {
  // Routes behind a bearer-token guard (guards.ts marks them) say so in the document.
  app.addHook("onRoute", (route) => {
    const hooks = [route.onRequest ?? []].flat();
    if (hooks.some(requiresToken)) route.schema = { ...route.schema, security: [{ bearer: [] }] };
  });
  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "shop-api",
        version,
        description:
          "The shop's REST API. Errors are RFC 9457 problem details (application/problem+json) with a stable `type` per cause. " +
          "Lists are paginated with an opaque cursor: follow `next` (also sent as a `Link: <...>; rel=\"next\"` header) until it is null.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A Keycloak access token of the shop realm" } },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === "string" ? json.$id : `def-${index}`) },
    transformObject: (documentObject) => renameOwnKeywords("openapiObject" in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as never,
  });
}

/** GET /openapi.json; register once the routes are (it is generated on first request and cached). */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
