import { badRequest, problem } from "../http/http-error";
import { parseIfMatch } from "./entity-tags";
import type { VersionCondition } from "./product-repository";

/**
 * The version condition an If-Match header sets on a write. `required` (the reason) makes a missing
 * header a 428 (precondition-required). `*` asks only that the product exist, which the write checks anyway.
 */
export function ifMatchCondition(header: string | undefined, options: { required?: string | undefined }): VersionCondition {
  const parsed = parseIfMatch(header);
  switch (parsed.kind) {
    case "absent":
      if (options.required) throw problem("precondition-required", options.required);
      return undefined;
    case "any":
      return undefined;
    case "malformed":
      throw badRequest('If-Match must be "*" or a list of entity tags such as "v3"');
    case "versions":
      return parsed.versions;
  }
}
