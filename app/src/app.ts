import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { registerDevTokenRoute } from "./auth/dev-token-routes";
import type { DevIssuer } from "./auth/dev-issuer";
import type { TokenVerifier } from "./auth/principal";
import { AccessLog } from "./http/access-log";
import { installErrorHandling, respondToConnectionError, respondToError } from "./http/error-handler";
import { registerHealthRoutes, type ReadinessCheck } from "./http/health-routes";
import { installJsonBodyParser } from "./http/json-body";
import { PROBLEM_CONTENT_TYPE, installProblemResponses, problemSchema } from "./http/problem";
import { registerOpenApi, registerOpenApiRoute } from "./http/openapi";
import { registerCors } from "./http/cors";
import { lazyRequestLogger } from "./http/lazy-request-logger";
import { installRequestMetrics, type ServiceMetrics } from "./http/metrics";
import { requestIdFor } from "./http/request-id";
import { validatorCompiler } from "./http/validation";
import type { OrderRepository } from "./orders/order-repository";
import { registerOrderRoutes } from "./orders/order-routes";
import { registerProductRoutes } from "./products/product-routes";
import type { ProductService } from "./products/product-service";
import type { SearchEngine } from "./search/search-engine";
import { registerSearchRoutes } from "./search/search-routes";

export interface AppServices {
  products: ProductService;
  orders: OrderRepository;
  search: SearchEngine;
  verifier: TokenVerifier;
  /** Present only with DEV_TOKENS=enabled (embedded database, no OIDC_ISSUER); exposes POST /dev/token. */
  devIssuer: DevIssuer | undefined;
  readinessChecks: ReadinessCheck[];
  metrics: ServiceMetrics;
  isDraining: () => boolean;
}

export interface AppOptions {
  bodyLimitBytes: number;
  /** Structured JSON logger (pino); undefined disables request logging (tests, benchmarks). */
  logger: FastifyBaseLogger | undefined;
  /** Deadline for receiving a whole request, headers and body (408 after it); default 30 s. */
  requestTimeoutMs?: number;
  /** Browser origins allowed to call the API (CORS); empty: no cross-origin access. */
  corsAllowedOrigins: string[];
}

/** The API's version in the OpenAPI document. */
export const API_VERSION = "1.0.0";

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function buildApp(services: AppServices, options: AppOptions): FastifyInstance {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger, childLoggerFactory: lazyRequestLogger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes,
    logController: new AccessLog(),
    genReqId: requestIdFor,
    // Bounds slow-loris style clients (stalled or trickled headers and bodies); well above any honest request.
    requestTimeout: requestTimeoutMs,
    // Also given to Node when the server is created: Fastify sets requestTimeout only afterwards, which
    // leaves Node's 60 s headersTimeout above it, and Node then never enforces the body deadline.
    // Deadlines are checked every second (Node's default, 30 s, would let one run up to twice as long).
    http: { requestTimeout: requestTimeoutMs, connectionsCheckingInterval: 1_000 },
    connectionTimeout: 60_000,
    clientErrorHandler: (error, socket) => respondToConnectionError(error, socket, options.logger),
    // Rejects absurd path segments before routing.
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // Errors raised by the router before any route runs (over-long or badly encoded URLs).
    frameworkErrors: (error, request, reply) => {
      const body = respondToError(error, request, reply);
      // Written raw: this hook is generic over route types, so the typed reply.send cannot be used.
      reply.raw.writeHead(reply.statusCode, { "content-type": PROBLEM_CONTENT_TYPE, "x-request-id": request.id });
      reply.raw.end(JSON.stringify(body));
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(problemSchema);
  // JSON only: without this Fastify would hand text/plain bodies to the routes as strings.
  app.removeContentTypeParser("text/plain");
  installJsonBodyParser(app);
  // Callback-style hooks on the hot path: no promise per request.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  installErrorHandling(app);
  installRequestMetrics(app, services.metrics);
  installProblemResponses(app);
  registerOpenApi(app, API_VERSION);
  if (options.corsAllowedOrigins.length > 0) registerCors(app, options.corsAllowedOrigins);

  // In a plugin, so the routes are added after the plugins above have loaded (they see every route through onRoute).
  app.register(async (api) => {
    registerHealthRoutes(api, services.readinessChecks, services.isDraining);
    api.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      const body = await services.metrics.registry.metrics();
      return reply.type(services.metrics.registry.contentType).send(body);
    });
    registerProductRoutes(api, services.products, services.verifier);
    registerSearchRoutes(api, services.search);
    registerOrderRoutes(api, services.orders, services.verifier);
    if (services.devIssuer) registerDevTokenRoute(api, services.devIssuer);
    registerOpenApiRoute(api);
  });
  return app;
}
