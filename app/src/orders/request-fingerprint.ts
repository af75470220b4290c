import { createHash } from "node:crypto";
import type { OrderLine } from "./order";

/**
 * Fingerprint of an order request, stored with its Idempotency-Key. Lines are sorted first: the same
 * basket listed in another order is the same request, so a retry that reorders lines still matches.
 */
export function fingerprintOrderRequest(lines: OrderLine[]): string {
  const canonical = [...lines]
    .sort((a, b) => a.productId.localeCompare(b.productId))
    .map((line) => `${line.productId}:${line.quantity}`)
    .join(",");
  return createHash("sha256").update(canonical).digest("hex");
}
