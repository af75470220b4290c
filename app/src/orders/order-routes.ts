import type { FastifyInstance } from "fastify";
import { authenticate, principalOf } from "../auth/guards";
import type { TokenVerifier } from "../auth/principal";
import { badRequest, notFound } from "../http/http-error";
import { errorSchema, idParams, uuidSchema } from "../http/schemas";
import type { OrderLine } from "./order";
import type { OrderRepository } from "./order-repository";

const MAX_LINES = 50;

const orderSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    status: { type: "string" },
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
    },
    required: ["items"],
    additionalProperties: false,
  },
  response: { 200: orderSchema, 201: orderSchema, 400: errorSchema, 409: errorSchema, 422: errorSchema },
} as const;

const getOrderSchema = { params: idParams, response: { 200: orderSchema, 404: errorSchema } } as const;

export function registerOrderRoutes(app: FastifyInstance, orders: OrderRepository, verifier: TokenVerifier): void {
  const signedIn = authenticate(verifier);

  app.post<{ Body: { items: OrderLine[] }; Headers: { "idempotency-key": string } }>(
    "/v1/orders",
    { schema: placeOrderSchema, onRequest: signedIn },
    async (request, reply) => {
      const { items } = request.body;
      if (new Set(items.map((item) => item.productId)).size !== items.length) {
        throw badRequest("each product may appear only once; add up the quantities");
      }
      const placed = await orders.place(principalOf(request).subject, request.headers["idempotency-key"], items);
      return reply
        .status(201)
        .header("location", `/v1/orders/${placed.order.id}`)
        .header("idempotent-replayed", String(placed.replayed))
        .send(placed.order);
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
}
