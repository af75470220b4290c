import { randomUUID } from "node:crypto";
import { STATUS_CODES as HTTP_REASON_PHRASES, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DatabaseUnavailableError } from "../db/database-roles";
import { HttpError, notFound } from "./http-error";
import { PROBLEM_CONTENT_TYPE, genericSlug, problemDetails, type ProblemDetails, type ProblemSlug } from "./problem";
import { trackRouteMethods } from "./route-methods";

// PostgreSQL errors a client can provoke with a well-formed but impossible value.
const CLIENT_PG_ERRORS: Record<string, string> = {
  "22P02": "a value has an invalid format",
  "22021": "a value contains a character the database cannot store",
  "22003": "a number is out of range",
  "22001": "a value is too long",
  "54000": "the request is too complex",
};

/** Seconds a client should wait before retrying when the writer is out of reach: the writer circuit's cool-down. */
export const READ_ONLY_RETRY_AFTER_SECONDS = 5;

// Error messages can quote the request (a 5 kB path segment); clients get a bounded reason.
const MAX_REASON_LENGTH = 300;

function truncate(message: string): string {
  return message.length <= MAX_REASON_LENGTH ? message : `${message.slice(0, MAX_REASON_LENGTH)}…`;
}

function classify(error: FastifyError | HttpError | Error, method: string): { status: number; slug: ProblemSlug; message: string } {
  if (error instanceof HttpError) return { status: error.statusCode, slug: error.problem, message: error.message };
  if (error instanceof DatabaseUnavailableError) {
    // A write, or a read that must see the primary (an order just placed), while the primary is out of reach.
    if (error.role === "writer" && method !== "GET" && method !== "HEAD") {
      return { status: 503, slug: "read-only", message: "the primary database cannot be reached from this region, which is read-only for now: reads are served, writes are not; retry later" };
    }
    return { status: 503, slug: "service-unavailable", message: `the ${error.role} database cannot be reached; retry later` };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { status: 400, slug: "validation", message: fastifyError.message };
  }
  const pgMessage = "code" in error && typeof error.code === "string" ? CLIENT_PG_ERRORS[error.code] : undefined;
  if (pgMessage) return { status: 400, slug: "bad-request", message: pgMessage };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, slug: genericSlug(status) ?? "bad-request", message: fastifyError.message };
  }
  const serverStatus = status !== undefined && status >= 500 ? status : 500;
  return { status: serverStatus, slug: serverStatus === 500 ? "internal" : (genericSlug(serverStatus) ?? "internal"), message: "internal error" };
}

/** The path of the request (no query string: it can carry anything), as the problem's `instance`. */
function instanceOf(url: string): string {
  return truncate(url.split("?")[0] ?? "/");
}

/** Logs the error, sets the status and content type and returns the problem: shared by the route and router error paths. */
export function respondToError(error: FastifyError | HttpError | Error, request: FastifyRequest, reply: FastifyReply): ProblemDetails {
  const { status, slug, message } = classify(error, request.method);
  if (error instanceof DatabaseUnavailableError) {
    // Expected during an outage (the breaker logs the transition): one line per request, without a stack.
    request.log.warn({ status, problem: slug, reason: error.message }, "request refused: database unreachable");
    reply.header("retry-after", String(READ_ONLY_RETRY_AFTER_SECONDS));
  } else if (error instanceof HttpError && status >= 500) {
    // A dependency's failure answered with a fixed reason: its own error (which the client never sees) goes to the log.
    request.log.warn({ status, problem: slug, reason: truncate(message), err: error.cause }, "request refused: dependency failed");
  } else if (status >= 500) request.log.error({ err: error }, "request failed");
  else request.log.info({ status, problem: slug, reason: truncate(message) }, "request rejected");
  reply.status(status).type(PROBLEM_CONTENT_TYPE);
  // A 5xx other than 500 (503 from a dependency) keeps its status; its type is the generic one of that status.
  const problem = problemDetails(slug, truncate(message), instanceOf(request.url), request.id);
  return problem.status === status ? problem : { ...problem, status };
}

/**
 * Client faults (validation, malformed JSON, oversized bodies, wrong content types, bad tokens) become
 * a 4xx with a reason. Anything else is logged in full and answered with an opaque 500, so internals
 * never leak.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError | HttpError | Error>((error, request, reply) => {
    return reply.send(respondToError(error, request, reply));
  });

  const allowedMethods = trackRouteMethods(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      reply.header("allow", allowed.join(", "));
      throw new HttpError(405, "method-not-allowed", `${request.method} is not supported on ${truncate(path)}; allowed: ${allowed.join(", ")}`);
    }
    throw notFound(`no route for ${request.method} ${path}`);
  });
}

// Node's HTTP parser rejects these before a request object exists; Fastify's default answer has
// another body shape and says only "Client Error".
const CONNECTION_ERRORS: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: "the request was not received completely in time" },
  HPE_HEADER_OVERFLOW: { status: 431, message: "the request headers are larger than the server accepts" },
};

/**
 * Whether a response is being written on the connection (a route may answer before the body has
 * arrived): a 408 must not be spliced into it. Node's own client-error answer checks the same
 * (undocumented) `_httpMessage`, which is detached once the response is complete.
 */
function responseStarted(socket: Socket): boolean {
  const response: unknown = Reflect.get(socket, "_httpMessage");
  return response instanceof ServerResponse && response.headersSent;
}

/** Answers a request the HTTP parser refused (malformed, oversized headers, too slow) with the usual error body. */
export function respondToConnectionError(error: ConnectionError, socket: Socket, log: FastifyBaseLogger | undefined): void {
  // A reset connection has nobody left to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const known = CONNECTION_ERRORS[error.code];
  const status = known?.status ?? 400;
  const slug = genericSlug(status) ?? "bad-request";
  const body = problemDetails(slug, known?.message ?? `malformed HTTP request (${error.code})`, "/", randomUUID());
  log?.info({ status, problem: slug, reason: body.detail, reqId: body.requestId }, "request rejected");
  if (socket.writable && !responseStarted(socket)) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${HTTP_REASON_PHRASES[status]}\r\nconnection: close\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(json)}\r\nx-request-id: ${body.requestId}\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}
