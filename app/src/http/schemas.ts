/** JSON-schema building blocks shared by routes. */
export const uuidSchema = { type: "string", format: "uuid" } as const;

export const errorSchema = {
  type: "object",
  properties: { error: { type: "string" }, message: { type: "string" }, requestId: { type: "string" } },
  required: ["error", "message"],
} as const;

export const idParams = {
  type: "object",
  properties: { id: uuidSchema },
  required: ["id"],
  additionalProperties: false,
} as const;
