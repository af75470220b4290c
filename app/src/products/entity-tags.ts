/**
 * Entity tags (RFC 9110 §8.8.3) of products, made from the product's version. They are strong: every
 * change of a product bumps its version, and its document is a function of its row, so two responses
 * with one tag are the same bytes. Strong tags are what If-Match needs (it compares strongly).
 */
export function productEntityTag(version: number): string {
  return `"v${version}"`;
}

const ENTITY_TAG = /(W\/)?"([^"]*)"/g;
const TAG_LIST = /^\s*(?:(?:W\/)?"[^"]*"\s*(?:,\s*|$))+$/;

export type IfMatch =
  /** No If-Match header: the write is unconditional. */
  | { kind: "absent" }
  /** `*`: any current representation; the product must exist. */
  | { kind: "any" }
  /** The product's version must be one of these (weak tags never match, RFC 9110 §13.1.1). */
  | { kind: "versions"; versions: number[] }
  | { kind: "malformed" };

export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return { kind: "absent" };
  if (header.trim() === "*") return { kind: "any" };
  if (!TAG_LIST.test(header)) return { kind: "malformed" };
  const versions: number[] = [];
  for (const [, weak, opaque] of header.matchAll(ENTITY_TAG)) {
    const version = /^v(\d{1,15})$/.exec(opaque ?? "")?.[1];
    if (!weak && version !== undefined) versions.push(Number(version));
  }
  return { kind: "versions", versions };
}

/**
 * Whether If-None-Match names the current representation (weak comparison, RFC 9110 §13.1.2), so
 * a GET can answer 304. A malformed header is ignored: the full response is always correct.
 */
export function noneMatchSatisfied(header: string | undefined, currentTag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  const current = currentTag.startsWith("W/") ? currentTag.slice(2) : currentTag;
  for (const [, , opaque] of header.matchAll(ENTITY_TAG)) {
    if (`"${opaque}"` === current) return true;
  }
  return false;
}
