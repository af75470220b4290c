import { errorSchema, idParams } from "../http/schemas";

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

export const listProductsSchema = {
  querystring: {
    type: "object",
    properties: {
      limit: { type: "integer", minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
      cursor: { type: "string", minLength: 1, maxLength: 200 },
    },
    additionalProperties: false,
  },
  response: {
    200: {
      type: "object",
      properties: { items: { type: "array", items: productSchema }, nextCursor: { type: ["string", "null"] } },
      required: ["items", "nextCursor"],
    },
    400: errorSchema,
  },
} as const;

export const getProductSchema = {
  // No headers schema: validating every request's headers costs the hot path; a malformed If-None-Match is ignored.
  params: idParams,
  response: { 200: productSchema, 400: errorSchema, 404: errorSchema },
} as const;

export const createProductSchema = {
  body: productInputSchema,
  response: { 201: productSchema },
} as const;

export const replaceProductSchema = {
  params: idParams,
  headers: conditionalHeaders,
  body: productReplacementSchema,
  response: { 200: productSchema, 404: errorSchema, 409: errorSchema, 412: errorSchema, 428: errorSchema },
} as const;

export const patchProductSchema = {
  params: idParams,
  headers: conditionalHeaders,
  body: productPatchSchema,
  response: { 200: productSchema, 404: errorSchema, 409: errorSchema, 412: errorSchema, 428: errorSchema },
} as const;

export const deleteProductSchema = { params: idParams, headers: conditionalHeaders } as const;
