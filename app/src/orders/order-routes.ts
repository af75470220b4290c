import type { FastifyInstance } from "fastify";
import { authenticate, principalOf } from "../auth/guards";
import type { TokenVerifier } from "../auth/principal";
import { badRequest, notFound } from "../http/http-error";
import { decodeCursor, encodeCursor, nextLink, pageQuerystring, pageSchema } from "../http/pagination";
import { problemResponses } from "../http/problem";
import { idParams, uuidSchema } from "../http/schemas";
import type { OrderLine } from "./order";
import type { OrderPosition, OrderRepository } from "./order-repository";

const MAX_LINES = 50;
const MAX_PAGE_SIZE = 100;
const CURSOR_VERSION = "o1";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const orderSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    status: { type: "string", enum: ["pending_payment", "placed", "payment_failed", "cancelled"] },
    payment: {
      type: "object",
      properties: { status: { type: "string", enum: ["authorised", "failed", "refunded"] }, reason: { type: "string" } },
    },
    totalCents: { type: "integer" },
    createdAt: { type: "string" },
    items: {
      type: "array",
      items: {
        type: "object",
        properties: {
          productId: { type: "string" },
          sku: { type: "string" },
          quantity: { type: "integer" },
          unitPriceCents: { type: "integer" },
        },
      },
    },
  },
} as const;

const placeOrderSchema = {
  headers: {
    type: "object",
    properties: {
      // Visible ASCII only: the key is stored and compared byte for byte.
      "idempotency-key": { type: "string", minLength: 8, maxLength: 128, pattern: "^[!-~]+$" },
    },
    required: ["idempotency-key"],
  },
  body: {
    type: "object",
    properties: {
      items: {
        type: "array",
        minItems: 1,
        maxItems: MAX_LINES,
        items: {
          type: "object",
          properties: { productId: uuidSchema, quantity: { type: "integer", minimum: 1, maximum: 100 } },
          required: ["productId", "quantity"],
          additionalProperties: false,
        },
      },
      paymentToken: {
        description: "The payment method token from the provider's checkout. The built-in test provider declines tok_test_declined and tok_test_insufficient_funds and authorises anything else.",
        type: "string",
        minLength: 1,
        maxLength: 256,
        pattern: "^[!-~]+$",
      },
    },
    required: ["items"],
    additionalProperties: false,
  },
  response: {
    200: orderSchema,
    201: orderSchema,
    ...problemResponses({
      400: ["validation", "bad-request"],
      401: ["unauthorized"],
      402: ["payment-declined"],
      409: ["out-of-stock", "idempotency-key-in-progress"],
      422: ["unknown-product", "idempotency-key-reused"],
      503: ["read-only", "payment-unavailable"],
    }),
  },
} as const;

const listOrdersSchema = {
  description: "The signed-in customer's own orders (by the token's subject), newest first.",
  querystring: pageQuerystring(MAX_PAGE_SIZE),
  response: {
    200: pageSchema(orderSchema),
    ...problemResponses({ 400: ["validation", "bad-request"], 401: ["unauthorized"] }),
  },
} as const;

const getOrderSchema = {
  params: idParams,
  response: { 200: orderSchema, ...problemResponses({ 401: ["unauthorized"], 404: ["not-found"] }) },
} as const;

const cancelOrderSchema = {
  description:
    "Cancels the customer's order: a paid one is refunded, one whose payment never settled (pending_payment) is voided at the provider; the stock is given back. Idempotent.",
  params: idParams,
  response: {
    200: orderSchema,
    ...problemResponses({ 401: ["unauthorized"], 404: ["not-found"], 409: ["order-not-cancellable"], 503: ["read-only", "payment-unavailable"] }),
  },
} as const;

function positionOf(cursor: string): OrderPosition | undefined {
  const key = decodeCursor(CURSOR_VERSION, cursor, ([micros, id]) => Number.isSafeInteger(micros) && typeof id === "string" && UUID.test(id));
  return key ? { createdMicros: key[0] as number, id: key[1] as string } : undefined;
}

export function registerOrderRoutes(app: FastifyInstance, orders: OrderRepository, verifier: TokenVerifier): void {
  const signedIn = authenticate(verifier);

  app.post<{ Body: { items: OrderLine[]; paymentToken?: string }; Headers: { "idempotency-key": string } }>(
    "/v1/orders",
    { schema: placeOrderSchema, onRequest: signedIn },
    async (request, reply) => {
      const { items, paymentToken } = request.body;
      if (new Set(items.map((item) => item.productId)).size !== items.length) {
        throw badRequest("each product may appear only once; add up the quantities");
      }
      const principal = principalOf(request);
      const placed = await orders.place(principal.subject, request.headers["idempotency-key"], items, {
        ...(paymentToken ? { paymentToken } : {}),
        ...(principal.email ? { email: principal.email } : {}),
      });
      return reply
        .status(201)
        .header("location", `/v1/orders/${placed.order.id}`)
        .header("idempotent-replayed", String(placed.replayed))
        .send(placed.order);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    "/v1/orders",
    { schema: listOrdersSchema, onRequest: signedIn },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : positionOf(cursor);
      if (cursor !== undefined && after === undefined) throw badRequest("cursor is not valid");
      const page = await orders.listOwned(principalOf(request).subject, limit, after);
      const nextCursor = page.next ? encodeCursor(CURSOR_VERSION, [page.next.createdMicros, page.next.id]) : undefined;
      return { items: page.items, nextCursor: nextCursor ?? null, next: nextLink(request, reply, nextCursor) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/orders/:id",
    { schema: getOrderSchema, onRequest: signedIn },
    async (request) => {
      // Someone else's order answers exactly like a missing one: ids of other users' orders do not leak.
      const order = await orders.findOwned(request.params.id, principalOf(request).subject);
      if (!order) throw notFound("order not found");
      return order;
    },
  );

  app.post<{ Params: { id: string } }>(
    "/v1/orders/:id/cancel",
    { schema: cancelOrderSchema, onRequest: signedIn },
    async (request) => {
      const order = await orders.cancel(request.params.id, principalOf(request).subject);
      if (!order) throw notFound("order not found");
      return order;
    },
  );
}
