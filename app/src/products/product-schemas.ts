import { pageQuerystring, pageSchema } from "../http/pagination";
import { problemResponses } from "../http/problem";
import { idParams } from "../http/schemas";

export const MAX_PAGE_SIZE = 100;

/** The fields a search hit shows; a product response has these and more. */
export const productSummaryProperties = {
  id: { type: "string" },
  sku: { type: "string" },
  name: { type: "string" },
  description: { type: "string" },
  priceCents: { type: "integer" },
} as const;

const productSchema = {
  type: "object",
  properties: {
    ...productSummaryProperties,
    stock: { type: "integer" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
  required: ["id", "sku", "name", "description", "priceCents", "stock", "createdAt", "updatedAt"],
} as const;

export const productInputSchema = {
  type: "object",
  properties: {
    sku: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" },
    name: { type: "string", minLength: 1, maxLength: 200, storableText: true },
    description: { type: "string", maxLength: 4000, default: "", storableText: true },
    priceCents: { type: "integer", minimum: 0, maximum: 100_000_000 },
    stock: { type: "integer", minimum: 0, maximum: 1_000_000_000, default: 0 },
  },
  required: ["sku", "name", "priceCents"],
  additionalProperties: false,
} as const;

const writableFields = {
  sku: productInputSchema.properties.sku,
  name: productInputSchema.properties.name,
  description: { type: "string", maxLength: 4000, storableText: true },
  priceCents: productInputSchema.properties.priceCents,
  stock: { type: "integer", minimum: 0, maximum: 1_000_000_000 },
} as const;

/** PUT: the full representation, nothing defaulted (a missing stock must not silently become 0). */
export const productReplacementSchema = {
  type: "object",
  properties: writableFields,
  required: ["sku", "name", "description", "priceCents", "stock"],
  additionalProperties: false,
} as const;

/** PATCH: any of the fields; stock as a new value (needs If-Match) or as a delta (safe next to concurrent orders). */
export const productPatchSchema = {
  type: "object",
  properties: {
    ...writableFields,
    stockDelta: { type: "integer", minimum: -1_000_000_000, maximum: 1_000_000_000 },
  },
  minProperties: 1,
  additionalProperties: false,
} as const;

/** If-Match on writes: its entity tags are parsed by the route (entity-tags.ts), its length bounded here. */
const conditionalHeaders = {
  type: "object",
  properties: { "if-match": { type: "string", maxLength: 1000 } },
} as const;

/** A 304 to a conditional GET: no body, the same ETag and Cache-Control as the 200. */
const notModified = { description: "Not modified: If-None-Match names the current ETag", type: "null" } as const;

export const listProductsSchema = {
  description:
    "The catalogue by product name (ties by id), one page at a time. A weak ETag of the page and Cache-Control; If-None-Match: 304.",
  querystring: pageQuerystring(MAX_PAGE_SIZE),
  response: {
    200: pageSchema(productSchema),
    304: notModified,
    ...problemResponses({ 400: ["validation", "bad-request"] }),
  },
} as const;

export const getProductSchema = {
  description: 'A product, with a strong ETag ("v<version>") and Cache-Control; If-None-Match: 304.',
  // No headers schema: validating every request's headers costs the hot path; a malformed If-None-Match is ignored.
  params: idParams,
  response: { 200: productSchema, 304: notModified, ...problemResponses({ 400: ["validation"], 404: ["not-found"] }) },
} as const;

export const createProductSchema = {
  description: "Creates a product: 201 with Location and ETag.",
  body: productInputSchema,
  response: { 201: productSchema, ...problemResponses({ 400: ["validation"], 409: ["duplicate-sku"], 503: ["read-only"] }) },
} as const;

export const replaceProductSchema = {
  description:
    "Replaces a product: the full representation, and If-Match with its current ETag (it sets the stock, which orders change). For partial changes and stock deltas use PATCH.",
  params: idParams,
  headers: conditionalHeaders,
  body: productReplacementSchema,
  response: {
    200: productSchema,
    ...problemResponses({
      400: ["validation", "bad-request"],
      404: ["not-found"],
      409: ["duplicate-sku"],
      412: ["precondition-failed"],
      428: ["precondition-required"],
      503: ["read-only"],
    }),
  },
} as const;

export const patchProductSchema = {
  description:
    "Changes some fields of a product. Stock by stockDelta (applied at commit, composes with concurrent orders) or as an absolute stock, which needs If-Match; If-Match is optional otherwise.",
  params: idParams,
  headers: conditionalHeaders,
  body: productPatchSchema,
  response: {
    200: productSchema,
    ...problemResponses({
      400: ["validation", "bad-request"],
      404: ["not-found"],
      409: ["duplicate-sku", "insufficient-stock"],
      412: ["precondition-failed"],
      428: ["precondition-required"],
      503: ["read-only"],
    }),
  },
} as const;

export const deleteProductSchema = {
  description: "Deletes a product that no order references; If-Match optional.",
  params: idParams,
  headers: conditionalHeaders,
  response: {
    204: { description: "Deleted", type: "null" },
    ...problemResponses({ 400: ["bad-request"], 404: ["not-found"], 409: ["product-in-use"], 412: ["precondition-failed"], 503: ["read-only"] }),
  },
} as const;
