import type { FastifyInstance } from "fastify";
import { authenticate, requireRole } from "../auth/guards";
import { ROLES } from "../auth/roles";
import type { TokenVerifier } from "../auth/principal";
import { badRequest, conflict, notFound } from "../http/http-error";
import { decodeCursor, encodeCursor } from "./cursor";
import type { ProductInput } from "./product";
import { DuplicateSkuError, ProductInUseError } from "./product-repository";
import {
  createProductSchema,
  deleteProductSchema,
  getProductSchema,
  listProductsSchema,
  updateProductSchema,
} from "./product-schemas";
import type { ProductService } from "./product-service";

interface IdParams {
  id: string;
}

function translateWriteError(error: unknown): never {
  if (error instanceof DuplicateSkuError || error instanceof ProductInUseError) throw conflict(error.message);
  throw error;
}

export function registerProductRoutes(app: FastifyInstance, products: ProductService, verifier: TokenVerifier): void {
  const adminOnly = [authenticate(verifier), requireRole(ROLES.admin)];

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    "/v1/products",
    { schema: listProductsSchema },
    async (request) => {
      const { limit, cursor } = request.query;
      const afterId = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && afterId === undefined) throw badRequest("cursor is not valid");
      const page = await products.list(limit, afterId);
      return { items: page.items, nextCursor: page.lastIdIfMore ? encodeCursor(page.lastIdIfMore) : null };
    },
  );

  app.get<{ Params: IdParams }>("/v1/products/:id", { schema: getProductSchema }, async (request, reply) => {
    const json = await products.getJson(request.params.id);
    if (json === undefined) throw notFound("product not found");
    // A string body is sent as-is: the cached document skips parsing and serialisation entirely.
    return reply.type("application/json; charset=utf-8").send(json);
  });

  app.post<{ Body: ProductInput }>(
    "/v1/products",
    { schema: createProductSchema, onRequest: adminOnly },
    async (request, reply) => {
      const product = await products.create(request.body).catch(translateWriteError);
      return reply.status(201).header("location", `/v1/products/${product.id}`).send(product);
    },
  );

  app.put<{ Params: IdParams; Body: ProductInput }>(
    "/v1/products/:id",
    { schema: updateProductSchema, onRequest: adminOnly },
    async (request) => {
      const product = await products.update(request.params.id, request.body).catch(translateWriteError);
      if (!product) throw notFound("product not found");
      return product;
    },
  );

  app.delete<{ Params: IdParams }>(
    "/v1/products/:id",
    { schema: deleteProductSchema, onRequest: adminOnly },
    async (request, reply) => {
      const deleted = await products.delete(request.params.id).catch(translateWriteError);
      if (!deleted) throw notFound("product not found");
      return reply.status(204).send();
    },
  );
}
