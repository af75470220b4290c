/** JSON-schema building blocks shared by routes (keywords of our own: see validation.ts). */

/** A UUID in either letter case, handed to the route in its canonical lower-case form. */
export const uuidSchema = { type: "string", format: "uuid", lowercase: true } as const;


/** An error response in a route schema: RFC 9457 problem details (see problem.ts; served as application/problem+json). */
export const errorSchema = { $ref: "Problem#" } as const;

export const idParams = {
  type: "object",
  properties: { id: uuidSchema },
  required: ["id"],
  additionalProperties: false,
} as const;
