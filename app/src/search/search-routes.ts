import type { FastifyInstance } from "fastify";
import { errorSchema } from "../http/schemas";
import { productSummaryProperties } from "../products/product-schemas";
import type { SearchEngine } from "./search-engine";

const searchSchema = {
  querystring: {
    type: "object",
    properties: {
      q: { type: "string", minLength: 1, maxLength: 200, storableText: true },
      limit: { type: "integer", minimum: 1, maximum: 50, default: 20 },
    },
    required: ["q"],
    additionalProperties: false,
  },
  response: {
    200: {
      type: "object",
      properties: {
        engine: { type: "string" },
        items: {
          type: "array",
          items: { type: "object", properties: productSummaryProperties },
        },
      },
    },
    400: errorSchema,
  },
} as const;

export function registerSearchRoutes(app: FastifyInstance, engine: SearchEngine): void {
  app.get<{ Querystring: { q: string; limit: number } }>("/v1/search", { schema: searchSchema }, async (request) => ({
    engine: engine.name,
    items: await engine.search(request.query.q, request.query.limit),
  }));
}
