import { pageQuerystring, pageSchema } from "../http/pagination";
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

export const listProductsSchema = {
  description: "The catalogue by product name (ties by id), one page at a time.",
  querystring: pageQuerystring(MAX_PAGE_SIZE),
  response: {
    200: pageSchema(productSchema),
    400: errorSchema,
  },
} as const;

export const getProductSchema = {
  params: idParams,
  response: { 200: productSchema, 400: errorSchema, 404: errorSchema },
} as const;

export const createProductSchema = {
  body: productInputSchema,
  response: { 201: productSchema },
} as const;

export const updateProductSchema = {
  params: idParams,
  body: productInputSchema,
  response: { 200: productSchema },
} as const;

export const deleteProductSchema = { params: idParams } as const;
