import Ajv, { type Options } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

/**
 * Fastify's default Ajv coerces types everywhere and silently strips unknown properties. For JSON
 * bodies we want neither: `"quantity": "5"` and `{"surprise": 1}` are client mistakes and get a 400.
 * Query strings and path params are text by nature, so they (only) are coerced.
 */
const shared: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: true };

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv, ["uuid", "date", "date-time", "uri"]);
  return ajv;
}

const bodyAjv = withFormats(new Ajv({ ...shared, coerceTypes: false }));
const textAjv = withFormats(new Ajv({ ...shared, coerceTypes: true }));

export const validatorCompiler: FastifySchemaCompiler<Record<string, unknown>> = ({ schema, httpPart }) =>
  (httpPart === "body" ? bodyAjv : textAjv).compile(schema);
