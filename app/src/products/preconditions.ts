import { HttpError, badRequest } from "../http/http-error";
import { parseIfMatch } from "./entity-tags";
import type { VersionCondition } from "./product-repository";

// Each cause has a code of its own (the error body's `error`), stable for clients and for a mapping to
// RFC 9457 problem types.
export const preconditionFailed = (message: string) => new HttpError(412, "precondition_failed", message);
export const preconditionRequired = (message: string) => new HttpError(428, "precondition_required", message);
export const insufficientStock = (message: string) => new HttpError(409, "insufficient_stock", message);

/**
 * The version condition an If-Match header sets on a write. `required` (the reason) makes a missing
 * header a 428. `*` asks only that the product exist, which the write checks anyway.
 */
export function ifMatchCondition(header: string | undefined, options: { required?: string | undefined }): VersionCondition {
  const parsed = parseIfMatch(header);
  switch (parsed.kind) {
    case "absent":
      if (options.required) throw preconditionRequired(options.required);
      return undefined;
    case "any":
      return undefined;
    case "malformed":
      throw badRequest('If-Match must be "*" or a list of entity tags such as "v3"');
    case "versions":
      return parsed.versions;
  }
}
