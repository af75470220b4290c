/**
 * Opaque pagination cursors: base64url of the last id seen. Clients must treat them as opaque so the
 * ordering key can change without breaking them; anything that does not decode is a client error.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(lastId: string): string {
  return Buffer.from(`p1:${lastId}`, "utf8").toString("base64url");
}

/** Returns the id after which the next page starts, or undefined when the cursor is not ours. */
export function decodeCursor(cursor: string): string | undefined {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  if (!decoded.startsWith("p1:")) return undefined;
  const id = decoded.slice(3);
  return UUID.test(id) ? id : undefined;
}
