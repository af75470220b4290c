import type { FastifyInstance, FastifyReply } from "fastify";
import { authenticate, requireRole } from "../auth/guards";
import { ROLES } from "../auth/roles";
import type { TokenVerifier } from "../auth/principal";
import { badRequest, notFound, problem } from "../http/http-error";
import { decodeCursor, encodeCursor, nextLink } from "../http/pagination";
import { noneMatchSatisfied, productEntityTag } from "./entity-tags";
import type { ProductInput, ProductPatch, VersionedProduct } from "./product";
import { ifMatchCondition } from "./preconditions";
import {
  DuplicateSkuError,
  InsufficientStockError,
  ProductInUseError,
  VersionMismatchError,
  type ProductPosition,
} from "./product-repository";
import {
  createProductSchema,
  deleteProductSchema,
  getProductSchema,
  listProductsSchema,
  patchProductSchema,
  replaceProductSchema,
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

interface ConditionalHeaders {
  "if-match"?: string;
}

/**
 * Catalogue reads may be cached by CloudFront and browsers, briefly: stock changes with every order (an
 * order checks the real stock anyway). stale-while-revalidate lets a cache answer at once while it
 * revalidates with If-None-Match, which costs this service a 304 without a body.
 */
export const CATALOGUE_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30";

function translateWriteError(error: unknown): never {
  if (error instanceof DuplicateSkuError) throw problem("duplicate-sku", error.message);
  if (error instanceof ProductInUseError) throw problem("product-in-use", error.message);
  if (error instanceof VersionMismatchError) throw problem("precondition-failed", error.message);
  if (error instanceof InsufficientStockError) throw problem("insufficient-stock", error.message);
  throw error;
}

function sendProduct(reply: FastifyReply, written: VersionedProduct) {
  return reply.header("etag", productEntityTag(written.version)).send(written.product);
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
      // The next link (and its Link header) is a function of this URL and the page's rows, which the tag covers.
      const next = nextLink(request, reply, nextCursor);
      const etag = `W/"${page.fingerprint}"`;
      reply.header("etag", etag).header("cache-control", CATALOGUE_CACHE_CONTROL);
      if (noneMatchSatisfied(request.headers["if-none-match"], etag)) return reply.status(304).send();
      return { items: page.items, nextCursor: nextCursor ?? null, next };
    },
  );

  app.get<{ Params: IdParams }>("/v1/products/:id", { schema: getProductSchema }, async (request, reply) => {
    const found = await products.get(request.params.id);
    if (found === undefined) throw notFound("product not found");
    reply.header("etag", found.etag).header("cache-control", CATALOGUE_CACHE_CONTROL);
    const ifNoneMatch = request.headers["if-none-match"];
    if (ifNoneMatch !== undefined && noneMatchSatisfied(ifNoneMatch, found.etag)) return reply.status(304).send();
    // A string body is sent as-is: the cached document skips parsing and serialisation entirely.
    return reply.type("application/json; charset=utf-8").send(found.json);
  });

  app.post<{ Body: ProductInput }>(
    "/v1/products",
    { schema: createProductSchema, onRequest: adminOnly },
    async (request, reply) => {
      const created = await products.create(request.body).catch(translateWriteError);
      return sendProduct(reply.status(201).header("location", `/v1/products/${created.product.id}`), created);
    },
  );

  // PUT sets the stock to an absolute figure, which overwrites whatever orders took since the client
  // read it: it therefore needs If-Match (428 without). Partial changes and stock deltas go through PATCH.
  app.put<{ Params: IdParams; Body: ProductInput; Headers: ConditionalHeaders }>(
    "/v1/products/:id",
    { schema: replaceProductSchema, onRequest: adminOnly },
    async (request, reply) => {
      const condition = ifMatchCondition(request.headers["if-match"], {
        required: "PUT replaces the stock, so it needs If-Match with the product's ETag (from GET); use PATCH with stockDelta to adjust stock",
      });
      const written = await products.replace(request.params.id, request.body, condition).catch(translateWriteError);
      if (!written) throw notFound("product not found");
      return sendProduct(reply, written);
    },
  );

  app.patch<{ Params: IdParams; Body: ProductPatch; Headers: ConditionalHeaders }>(
    "/v1/products/:id",
    { schema: patchProductSchema, onRequest: adminOnly },
    async (request, reply) => {
      const patch = request.body;
      if (patch.stock !== undefined && patch.stockDelta !== undefined) throw badRequest("give stock or stockDelta, not both");
      const condition = ifMatchCondition(request.headers["if-match"], {
        // An absolute stock has the same lost-update problem as PUT; a delta does not.
        required: patch.stock === undefined ? undefined : "setting stock needs If-Match with the product's ETag (from GET); or send stockDelta",
      });
      const written = await products.patch(request.params.id, patch, condition).catch(translateWriteError);
      if (!written) throw notFound("product not found");
      return sendProduct(reply, written);
    },
  );

  app.delete<{ Params: IdParams; Headers: ConditionalHeaders }>(
    "/v1/products/:id",
    { schema: deleteProductSchema, onRequest: adminOnly },
    async (request, reply) => {
      const condition = ifMatchCondition(request.headers["if-match"], {});
      const deleted = await products.delete(request.params.id, condition).catch(translateWriteError);
      if (!deleted) throw notFound("product not found");
      return reply.status(204).send();
    },
  );
}
