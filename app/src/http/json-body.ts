import { isUtf8 } from "node:buffer";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { IncomingHttpHeaders } from "node:http";
import { type HttpError, badRequest, unsupportedMediaType } from "./http-error";

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const UTF8 = /^utf-?8$/i;
const BYTE_ORDER_MARK = "\ufeff";

/** JSON is UTF-8 (RFC 8259), and the body is read as is: another charset or a content coding would be misread. */
function unreadableEncoding(headers: IncomingHttpHeaders): HttpError | undefined {
  const charset = CHARSET.exec(headers["content-type"] ?? "")?.[1];
  if (charset !== undefined && !UTF8.test(charset)) {
    return unsupportedMediaType(`charset "${charset}" is not supported: JSON bodies must be UTF-8`);
  }
  const coding = headers["content-encoding"]?.trim().toLowerCase();
  if (coding && coding !== "identity") return unsupportedMediaType(`content-encoding "${coding}" is not supported`);
  return undefined;
}

/**
 * The key that makes a parsed document a prototype-pollution attempt, if any: `__proto__`, or
 * `constructor` holding a `prototype`. JSON.parse has already decoded escapes such as \u005f.
 * Iterative, because bodies can nest thousands of levels deep within the size limit.
 */
function pollutingKey(document: unknown): string | undefined {
  const pending = [document];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== "object" || node === null) continue;
    if (Object.hasOwn(node, "__proto__")) return "__proto__";
    const constructor: unknown = Object.hasOwn(node, "constructor") ? Reflect.get(node, "constructor") : undefined;
    if (typeof constructor === "object" && constructor !== null && Object.hasOwn(constructor, "prototype")) {
      return "constructor.prototype";
    }
    for (const child of Object.values(node)) pending.push(child);
  }
  return undefined;
}

function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw badRequest("body is empty but content-type is application/json");
  // Node would otherwise decode invalid bytes to U+FFFD and store the mangled text.
  if (!isUtf8(body)) throw badRequest("body is not valid UTF-8");
  const text = body.toString("utf8");
  let document: unknown;
  try {
    document = JSON.parse(text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text);
  } catch (error) {
    throw badRequest(`body is not valid JSON: ${error instanceof Error ? error.message : "syntax error"}`);
  }
  const key = pollutingKey(document);
  if (key) throw badRequest(`body must not contain a "${key}" key`);
  return document;
}

/**
 * Replaces Fastify's JSON parser, which decodes the body as UTF-8 whatever its charset and
 * content-encoding say (silently turning bad bytes into U+FFFD) and calls a `__proto__` key
 * "not valid JSON".
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, async (request: FastifyRequest, body: Buffer) => {
    const encodingProblem = unreadableEncoding(request.headers);
    if (encodingProblem) throw encodingProblem;
    return parseJsonBody(body);
  });
}
