import type { FastifyInstance } from "fastify";

/**
 * RFC 9457 problem details: every error the API answers is `application/problem+json` with a `type` URI that names
 * its cause, stable across releases (clients branch on it; `detail` is for humans and may change).
 *
 * The types are tag URIs (RFC 4151): identifiers that are not meant to be dereferenced, which RFC 9457 allows; the
 * catalogue below and the OpenAPI document (components/schemas/Problem) are their documentation.
 */
export const PROBLEM_TYPE_BASE = "tag:shop-api,2026:problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Every problem type the API emits: slug → status and title (the title is fixed per type, as RFC 9457 asks). */
export const PROBLEM_TYPES = {
  "bad-request": { status: 400, title: "The request is malformed" },
  validation: { status: 400, title: "The request does not match the schema" },
  unauthorized: { status: 401, title: "A valid bearer token is required" },
  forbidden: { status: 403, title: "The token lacks a required role" },
  "not-found": { status: 404, title: "No such resource" },
  "method-not-allowed": { status: 405, title: "The resource does not support this method" },
  "request-timeout": { status: 408, title: "The request was not received in time" },
  "payment-declined": { status: 402, title: "The payment was declined" },
  "out-of-stock": { status: 409, title: "Not enough stock for the order" },
  // Not out-of-stock: an admin's stock adjustment (PATCH stockDelta), not an order, and its client acts differently.
  "insufficient-stock": { status: 409, title: "The stock adjustment would take the stock below zero" },
  "duplicate-sku": { status: 409, title: "A product with this SKU already exists" },
  "product-in-use": { status: 409, title: "The product is referenced by orders" },
  "idempotency-key-in-progress": { status: 409, title: "A request with this Idempotency-Key is still in progress" },
  "order-not-cancellable": { status: 409, title: "Only a paid or unsettled order can be cancelled" },
  conflict: { status: 409, title: "The request conflicts with the resource's state" },
  "precondition-failed": { status: 412, title: "The resource changed since the representation the request is based on" },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "uri-too-long": { status: 414, title: "The request URI is too long" },
  "unsupported-media-type": { status: 415, title: "The request body's media type is not supported" },
  "unknown-product": { status: 422, title: "The order names a product that does not exist" },
  "idempotency-key-reused": { status: 422, title: "The Idempotency-Key was used with a different request" },
  unprocessable: { status: 422, title: "The request cannot be processed" },
  "precondition-required": { status: 428, title: "The request must be conditional (If-Match)" },
  "too-many-requests": { status: 429, title: "Too many requests" },
  "headers-too-large": { status: 431, title: "The request headers are too large" },
  internal: { status: 500, title: "Internal error" },
  "identity-provider-unavailable": { status: 503, title: "Tokens cannot be verified right now" },
  "search-unavailable": { status: 503, title: "Search is unavailable right now" },
  "payment-unavailable": { status: 503, title: "The payment provider cannot be reached right now" },
  "service-unavailable": { status: 503, title: "The service is unavailable right now" },
  // The primary database cannot be reached from this region: reads are served (from the replica), writes are not.
  "read-only": { status: 503, title: "This region is read-only right now: writes cannot reach the primary database" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request's path: which request failed (the query string is left out; it can carry anything). */
  instance: string;
  /** Extension member: the x-request-id, to find the request in the logs. */
  requestId: string;
}

/** The slug for a status when no specific cause is known. */
const GENERIC_BY_STATUS: Record<number, ProblemSlug> = {};
for (const [slug, { status }] of Object.entries(PROBLEM_TYPES) as [ProblemSlug, { status: number }][]) GENERIC_BY_STATUS[status] ??= slug;
Object.assign(GENERIC_BY_STATUS, { 409: "conflict", 422: "unprocessable", 400: "bad-request", 503: "service-unavailable" });

export function genericSlug(status: number): ProblemSlug | undefined {
  return GENERIC_BY_STATUS[status];
}

export function problemType(slug: ProblemSlug): string {
  return `${PROBLEM_TYPE_BASE}${slug}`;
}

export function problemDetails(slug: ProblemSlug, detail: string, instance: string, requestId: string): ProblemDetails {
  const { status, title } = PROBLEM_TYPES[slug];
  return { type: problemType(slug), title, status, detail, instance, requestId };
}

/** The shared schema (registered once, referenced by every route's error responses and shown in the OpenAPI document). */
export const problemSchema = {
  $id: "Problem",
  type: "object",
  description: `RFC 9457 problem details. \`type\` is one of ${PROBLEM_TYPE_BASE}<slug> with slug in: ${Object.keys(PROBLEM_TYPES).join(", ")}.`,
  properties: {
    type: { type: "string", format: "uri", enum: Object.keys(PROBLEM_TYPES).map((slug) => problemType(slug as ProblemSlug)) },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    requestId: { type: "string" },
  },
  required: ["type", "title", "status", "detail", "instance"],
} as const;

const problemContent = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "Problem#" } } } });

function isBareProblemRef(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && (value as { $ref?: unknown }).$ref === "Problem#";
}

/**
 * Every route's error responses are problem details: a bare `{ $ref: "Problem#" }` becomes the application/problem+json
 * response, and routes get `4xx`/`5xx` defaults, so the serializer and the OpenAPI document agree with what the error
 * handler sends. Install before any route is registered (and before @fastify/swagger, which reads the schemas).
 */
export function installProblemResponses(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    const response: Record<string, unknown> = { ...(route.schema?.response as Record<string, unknown> | undefined) };
    for (const [status, schema] of Object.entries(response)) {
      if (isBareProblemRef(schema)) response[status] = problemContent(PROBLEM_DESCRIPTIONS[Number(status)] ?? "Problem details");
    }
    response["4xx"] ??= problemContent("Client error (problem details)");
    response["5xx"] ??= problemContent("Server error (problem details)");
    route.schema = { ...route.schema, response };
  });
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {};
for (const [slug, { status, title }] of Object.entries(PROBLEM_TYPES)) {
  PROBLEM_DESCRIPTIONS[status] = [PROBLEM_DESCRIPTIONS[status], `${slug}: ${title}`].filter(Boolean).join("; ");
}

/**
 * Error responses for a route schema: each status with the problem types it can carry (for the OpenAPI document),
 * as application/problem+json.
 */
export function problemResponses(causes: Partial<Record<number, ProblemSlug[]>>): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, slugs] of Object.entries(causes)) {
    responses[status] = problemContent((slugs ?? []).map((slug) => `${slug}: ${PROBLEM_TYPES[slug].title}`).join("; "));
  }
  return responses;
}
