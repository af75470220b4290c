import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

const PROBE_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * One access-log line per request (Fastify's default writes two), with flat fields instead of the
 * serialised request and reply objects: at tens of thousands of requests per second, logging is the
 * largest cost on the hot path. The arrival line is kept at debug level for tracing a request's
 * whole life. Successful probes are not logged: the kubelet would otherwise fill the logs.
 */
export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, "incoming request");
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    if (!error && status < 400 && PROBE_ROUTES.has(request.routeOptions.url ?? "")) return;
    const line = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      status,
      responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) request.log.error({ ...line, err: error }, "request errored");
    else request.log.info(line, "request completed");
  }
}
