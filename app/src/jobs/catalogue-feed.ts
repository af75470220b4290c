import { readFile } from "node:fs/promises";
import Ajv from "ajv";
import { withAppVocabulary } from "../http/validation";
import type { ProductInput } from "../products/product";
import { productInputSchema } from "../products/product-schemas";

const MAX_FEED_BYTES = 50 * 1024 * 1024;

export interface FeedEntryRejection {
  index: number;
  reason: string;
}

export interface ParsedFeed {
  entries: ProductInput[];
  rejected: FeedEntryRejection[];
}

// The same schema the admin API enforces, so a feed cannot insert what a human could not. Unlike the
// API, unknown fields are dropped rather than rejected: vendor feeds carry extras (images, categories).
const validateEntry = withAppVocabulary(
  new Ajv({ useDefaults: true, coerceTypes: false, removeAdditional: "all" }),
).compile<ProductInput>(productInputSchema);

/** Reads a catalogue feed from an http(s) URL or a local file path. */
export async function readFeedSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`feed ${source} answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_FEED_BYTES) throw new Error(`feed is larger than ${MAX_FEED_BYTES} bytes`);
    return text;
  }
  return readFile(source, "utf8");
}

/** Accepts a JSON array of products or an object with a `products` array. */
export function parseFeed(text: string): ParsedFeed {
  const document: unknown = JSON.parse(text);
  const list =
    Array.isArray(document) ? document
    : typeof document === "object" && document !== null && "products" in document && Array.isArray(document.products) ? document.products
    : undefined;
  if (!list) throw new Error("feed must be a JSON array of products or an object with a 'products' array");
  const parsed: ParsedFeed = { entries: [], rejected: [] };
  const seenSkus = new Set<string>();
  list.forEach((raw: unknown, index: number) => {
    const entry: unknown = typeof raw === "object" && raw !== null ? { ...raw } : raw;
    if (!validateEntry(entry)) {
      const first = validateEntry.errors?.[0];
      parsed.rejected.push({ index, reason: `${first?.instancePath || "entry"} ${first?.message ?? "is invalid"}` });
    } else if (seenSkus.has(entry.sku)) {
      parsed.rejected.push({ index, reason: `duplicate sku ${entry.sku} in the feed` });
    } else {
      seenSkus.add(entry.sku);
      parsed.entries.push(entry);
    }
  });
  return parsed;
}
