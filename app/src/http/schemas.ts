/** JSON-schema building blocks shared by routes (keywords of our own: see validation.ts). */

/** A UUID in either letter case, handed to the route in its canonical lower-case form. */
export const uuidSchema = { type: "string", format: "uuid", lowercase: true } as const;

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
