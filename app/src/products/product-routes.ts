import type { FastifyInstance } from "fastify";
import { authenticate, requireRole } from "../auth/guards";
import { ROLES } from "../auth/roles";
import type { TokenVerifier } from "../auth/principal";
import { badRequest, notFound, problem } from "../http/http-error";
import { decodeCursor, encodeCursor, nextLink } from "../http/pagination";
import type { ProductInput } from "./product";
import { DuplicateSkuError, ProductInUseError, type ProductPosition } from "./product-repository";
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

const CURSOR_VERSION = "p2";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function positionOf(cursor: string): ProductPosition | undefined {
  const key = decodeCursor(CURSOR_VERSION, cursor, ([name, id]) => typeof name === "string" && typeof id === "string" && UUID.test(id));
  return key ? { name: key[0] as string, id: key[1] as string } : undefined;
}

function translateWriteError(error: unknown): never {
  if (error instanceof DuplicateSkuError) throw problem("duplicate-sku", error.message);
  if (error instanceof ProductInUseError) throw problem("product-in-use", error.message);
  throw error;
}

export function registerProductRoutes(app: FastifyInstance, products: ProductService, verifier: TokenVerifier): void {
  const adminOnly = [authenticate(verifier), requireRole(ROLES.admin)];

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    "/v1/products",
    { schema: listProductsSchema },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : positionOf(cursor);
      if (cursor !== undefined && after === undefined) throw badRequest("cursor is not valid");
      const page = await products.list(limit, after);
      const nextCursor = page.next ? encodeCursor(CURSOR_VERSION, [page.next.name, page.next.id]) : undefined;
      return { items: page.items, nextCursor: nextCursor ?? null, next: nextLink(request, reply, nextCursor) };
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
