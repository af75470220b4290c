import Ajv, { type KeywordDefinition, type Options } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

/**
 * Fastify's default Ajv coerces types everywhere and silently strips unknown properties. For JSON
 * bodies we want neither: `"quantity": "5"` and `{"surprise": 1}` are client mistakes and get a 400.
 * Query strings and path params are text by nature, so they (only) are coerced.
 */
const shared: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: true };

/** PostgreSQL text cannot hold U+0000, and UTF-8 has no encoding for half of a surrogate pair. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && !UNPAIRED_SURROGATE.test(value);
}

/** `storableText: true` on free-text fields: without it a NUL is a 500 and a lone surrogate is stored as U+FFFD. */
const storableText: KeywordDefinition = {
  keyword: "storableText",
  type: "string",
  schemaType: "boolean",
  errors: false,
  error: { message: "must not contain NUL (U+0000) or unpaired surrogate characters" },
  validate: (enabled: boolean, value: string) => !enabled || isStorableText(value),
};

/**
 * `lowercase: true` hands the value on in lower case. On UUIDs: PostgreSQL's uuid type ignores case,
 * while cache keys, duplicate checks and request fingerprints compare strings.
 */
const lowercase: KeywordDefinition = {
  keyword: "lowercase",
  type: "string",
  schemaType: "boolean",
  modifying: true,
  errors: false,
  validate: (enabled: boolean, value: string, _parentSchema, context) => {
    if (enabled && context) context.parentData[context.parentDataProperty] = value.toLowerCase();
    return true;
  },
};

// ajv-formats' "uuid" also accepts a "urn:uuid:" prefix, which PostgreSQL's uuid type does not.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The formats and keywords of the app's schemas, for every Ajv instance that compiles them. */
export function withAppVocabulary(ajv: Ajv): Ajv {
  addFormats(ajv, ["date", "date-time", "uri"]);
  ajv.addFormat("uuid", UUID);
  ajv.addKeyword(storableText);
  ajv.addKeyword(lowercase);
  return ajv;
}

const bodyAjv = withAppVocabulary(new Ajv({ ...shared, coerceTypes: false }));
const textAjv = withAppVocabulary(new Ajv({ ...shared, coerceTypes: true }));

type FlatObjectSchema = { properties?: Record<string, { type?: unknown }> };
type Validator = ReturnType<FastifySchemaCompiler<FlatObjectSchema>>;

const DECIMAL_INTEGER = /^-?[0-9]+$/;

/**
 * Ajv coerces text to integers with Number(): "0x10" becomes 16, " 5" becomes 5, and "1e309"
 * becomes Infinity, which then passes `maximum` (Ajv skips range checks on non-finite numbers).
 * Query strings, params and headers are flat, so their integer properties are checked to be plain
 * decimals before Ajv coerces them.
 */
function compileTextValidator(schema: FlatObjectSchema): Validator {
  const validate = textAjv.compile(schema);
  const integers = Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.type === "integer")
    .map(([name]) => name);
  if (integers.length === 0) return validate;

  const validateStrictly: Validator = (data: Record<string, unknown> | null) => {
    const notDecimal = integers.find((name) => {
      const value = data?.[name];
      return typeof value === "string" && !DECIMAL_INTEGER.test(value);
    });
    if (notDecimal === undefined) {
      const valid = validate(data);
      validateStrictly.errors = validate.errors;
      return valid;
    }
    validateStrictly.errors = [
      {
        instancePath: `/${notDecimal}`,
        schemaPath: `#/properties/${notDecimal}/type`,
        keyword: "type",
        params: { type: "integer" },
        message: "must be a decimal integer",
      },
    ];
    return false;
  };
  return validateStrictly;
}

export const validatorCompiler: FastifySchemaCompiler<FlatObjectSchema> = ({ schema, httpPart }) =>
  httpPart === "body" ? bodyAjv.compile(schema) : compileTextValidator(schema);
