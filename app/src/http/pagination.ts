import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Opaque keyset cursors: base64url of a versioned JSON array of the last row's sort key. Clients must treat them as
 * opaque so the ordering key can change; anything that does not decode to the expected shape is a client error.
 */
export function encodeCursor(version: string, key: (string | number)[]): string {
  return Buffer.from(JSON.stringify([version, ...key]), "utf8").toString("base64url");
}

/** The sort key a cursor carries, or undefined when it is not ours (or not of this version). */
export function decodeCursor(version: string, cursor: string, check: (key: unknown[]) => boolean): unknown[] | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded[0] !== version) return undefined;
    const key = decoded.slice(1);
    return check(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `next` link of a page: the request's own path and query with `cursor` replaced, as a relative reference (the
 * gateway does not rewrite paths, so it resolves against whatever host the client used). Also sent as an RFC 8288
 * `Link: <...>; rel="next"` header. null on the last page.
 */
export function nextLink(request: FastifyRequest, reply: FastifyReply, cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const url = new URL(request.url, "http://placeholder");
  url.searchParams.set("cursor", cursor);
  const link = `${url.pathname}${url.search}`;
  reply.header("link", `<${link}>; rel="next"`);
  return link;
}

/** The query string of a paginated list: `limit` (1..maxPageSize, default 20) and the opaque `cursor`. */
export function pageQuerystring(maxPageSize: number) {
  return {
    type: "object",
    properties: {
      limit: { type: "integer", minimum: 1, maximum: maxPageSize, default: 20 },
      // Cursors carry a sort key (a product name can be 200 characters of 4-byte UTF-8).
      cursor: { type: "string", minLength: 1, maxLength: 2000 },
    },
    additionalProperties: false,
  } as const;
}

/** A page's response: `items` of `itemSchema`, then where the next page starts. */
export function pageSchema<Item extends object>(itemSchema: Item) {
  return {
    type: "object",
    properties: { items: { type: "array", items: itemSchema }, ...pageProperties },
    required: ["items", "nextCursor", "next"],
  } as const;
}

const pageProperties = {
  nextCursor: { type: ["string", "null"], description: "Opaque cursor of the next page; null on the last page" },
  next: { type: ["string", "null"], description: "Relative link to the next page (also in the Link header); null on the last page" },
} as const;
